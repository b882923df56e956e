from django.apps import AppConfig


class ApiKitConfig(AppConfig):
    name = "stampcard.api"
    label = "pos"
