from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "stampcard.public"
    label = "join"
    verbose_name = _("Customer pages")

    def ready(self) -> None:
        # Imported here, once every model is loaded.
        from stampcard.customers import privacy  # below public: erasure reaches the recovery rows through this hook
        from stampcard.public import datarights

        if datarights.recovery_codes_forget not in privacy.erase_followers:
            privacy.erase_followers.append(datarights.recovery_codes_forget)
