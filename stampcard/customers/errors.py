"""Typed errors of the customers app, with their stable codes."""

from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, ValidationFailed


class MergeSameCustomer(ValidationFailed):
    code = "merge_same_customer"
    default_message = _("Pick two different customers to merge.")


class CustomerAlreadyMerged(Conflict):
    code = "customer_already_merged"
    default_message = _("This customer was already merged into another one.")


class CustomerErasedCannotMerge(Conflict):
    code = "customer_erased"
    default_message = _("An erased customer cannot be merged.")
