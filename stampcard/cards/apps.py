from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "stampcard.cards"
    label = "cards"
