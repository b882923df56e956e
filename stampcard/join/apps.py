from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JoinConfig(AppConfig):
    name = "stampcard.join"
    label = "join"
    verbose_name = _("Customer pages")
