from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "stampcard.rewards"
    label = "rewards"
