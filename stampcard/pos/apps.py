from django.apps import AppConfig


class PosConfig(AppConfig):
    name = "stampcard.pos"
    label = "pos"
