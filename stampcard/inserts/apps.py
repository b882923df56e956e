from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsertsConfig(AppConfig):
    name = "stampcard.inserts"
    verbose_name = _("Delivery inserts")
