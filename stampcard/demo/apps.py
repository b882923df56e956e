from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "stampcard.demo"
    label = "demo"
