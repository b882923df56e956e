"""Merging duplicate customers in the panel (manager): the likely duplicates, picking the second customer from one
customer's page, and a preview of the merge with its confirmation (``checkouts.merge``)."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from stampcard.cards import directory
from stampcard.cards.models import Card
from stampcard.checkouts import merge
from stampcard.core.errors import ApplicationError
from stampcard.customers import selectors as customers_selectors
from stampcard.customers.duplicates import DuplicateGroup, duplicate_groups
from stampcard.customers.masking import mask_contact
from stampcard.customers.models import Customer
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_of, panel_view

SEARCH_RESULTS = 20


def _cards_by_customer(customers: list[Customer]) -> dict[Any, list[Card]]:
    by_customer: dict[Any, list[Card]] = {c.pk: [] for c in customers}
    cards = (
        Card.objects.filter(customer_id__in=by_customer, merged_into__isnull=True)
        .select_related("program")
        .order_by("created_at", "pk")
    )
    for card in cards:
        by_customer[card.customer_id].append(card)
    return by_customer


def _rows(groups: list[DuplicateGroup]) -> list[dict[str, Any]]:
    customers = [c for group in groups for c in group.customers]
    cards = _cards_by_customer(customers)
    return [
        {
            "reason": group.reason,
            "customers": [
                {
                    "customer": c,
                    "contact": mask_contact(email=c.email, phone=c.phone),
                    "cards": cards.get(c.pk, []),
                }
                for c in group.customers
            ],
            "first": group.customers[0],
        }
        for group in groups
    ]


@panel_view(Role.MANAGER)
def duplicates_page(request: HttpRequest) -> HttpResponse:
    """Groups of customers who are probably one person, each with a link to compare and merge them."""
    panel = panel_of(request)
    groups = duplicate_groups(merchant=panel.merchant)
    return render(request, "panel/customers/duplicates.html", {"groups": _rows(groups)})


@panel_view(Role.MANAGER)
def merge_pick(request: HttpRequest, customer_id: str) -> HttpResponse:
    """ "Merge with…": the customer's likely duplicates, and a search for any other customer to merge with."""
    panel = panel_of(request)
    customer = customers_selectors.customer_get(merchant=panel.merchant, customer_id=customer_id)
    if customer.merged_into_id is not None:
        return HttpResponseRedirect(reverse("panel:customer", args=[customer.merged_into_id]))
    suggested = [c for g in duplicate_groups(merchant=panel.merchant, customer_id=customer.pk) for c in g.customers]
    query = " ".join(request.GET.get("q", "").split())[:100]
    found: list[Customer] = []
    if len(query) >= 2:
        page = directory.directory_page(
            merchant=panel.merchant, filters=directory.DirectoryFilters(q=query), size=SEARCH_RESULTS
        )
        found = list({card.customer_id: card.customer for card in page.cards}.values())
    candidates: dict[Any, Customer] = {}
    for other in [*suggested, *found]:
        if other.pk != customer.pk and other.erased_at is None and other.merged_into_id is None:
            candidates.setdefault(other.pk, other)
    cards = _cards_by_customer(list(candidates.values()))
    suggested_ids = {c.pk for c in suggested}
    return render(
        request,
        "panel/customers/merge_pick.html",
        {
            "customer": customer,
            "query": query,
            "searched": len(query) >= 2,
            "candidates": [
                {
                    "customer": other,
                    "contact": mask_contact(email=other.email, phone=other.phone),
                    "cards": cards.get(other.pk, []),
                    "suggested": other.pk in suggested_ids,
                }
                for other in candidates.values()
            ],
        },
    )


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def merge_preview(request: HttpRequest, customer_id: str, other_id: str) -> HttpResponse:
    """GET: both customers side by side and what the merge leaves (``customer_id`` stays, ``other_id`` is merged
    into it; a link swaps them). POST: merge."""
    panel = panel_of(request)
    if request.method == "POST":
        try:
            record = merge.customers_merge(actor=panel.actor, survivor_id=customer_id, absorbed_id=other_id)
        except ApplicationError as refused:
            if refused.status == 404:
                raise
            messages.error(request, str(refused.message))
        else:
            messages.success(
                request,
                _("Merged: %(name)s now holds both customers’ cards, stamps, rewards and vouchers.")
                % {"name": record.survivor.name},
            )
            return HttpResponseRedirect(reverse("panel:customer", args=[record.survivor_id]))
    try:
        preview = merge.merge_preview(actor=panel.actor, survivor_id=customer_id, absorbed_id=other_id)
    except ApplicationError as refused:
        if refused.status in (403, 404):
            raise
        return render(
            request, "panel/customers/merge_refused.html", {"message": refused.message, "customer_id": customer_id}
        )
    labels = {
        "email": _("Email"),
        "phone": _("Phone"),
        "birthday": _("Birthday"),
        "terms_accepted_at": _("Terms accepted"),
    }
    return render(
        request,
        "panel/customers/merge_preview.html",
        {
            "preview": preview,
            "survivor": preview.survivor,
            "absorbed": preview.absorbed,
            "taken_over": [labels[name] for name in preview.taken_over if name in labels],
        },
    )
