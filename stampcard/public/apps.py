from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "stampcard.public"
    label = "join"
    verbose_name = _("Customer pages")
