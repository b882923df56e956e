from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PosterConfig(AppConfig):
    name = "stampcard.poster"
    label = "poster"
    verbose_name = _("Poster POS")
