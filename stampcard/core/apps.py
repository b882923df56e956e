from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "stampcard.core"
    label = "core"
