"""What the panel itself remembers: the steps of a merchant's guided start."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel


class SetupStep(models.TextChoices):
    DESIGN_CARD = "design_card", _("Design the card")
    PRINT_JOIN_QR = "print_join_qr", _("Print the join QR")
    CONNECT_COUNTER = "connect_counter", _("Connect the POS or pair a scanner")
    FIRST_STAMP = "first_stamp", _("Give the first stamp")


class SetupProgress(TenantModel):
    """A guided-start step a merchant has done, once. Steps that the data shows by itself (a key, a stamp) are read
    from the data instead (``panel.setup``); this row records the ones that leave no other trace, such as printing."""

    step = models.CharField(max_length=32, choices=SetupStep.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "step"], name="setup_step_once")]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.step}"
