from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "stampcard.merchants"
    label = "merchants"
