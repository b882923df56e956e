"""The journal page: the merchant's card events, newest first, narrowed by the filter form, paged by keyset."""

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stampcard.cards import exports, journal
from stampcard.cards.models import CardEvent
from stampcard.core.errors import ApplicationError, ValidationFailed
from stampcard.core.reads import replica_alias
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.journal.forms import JournalFilterForm
from stampcard.public import pages
from stampcard.rewards import selectors as rewards_selectors
from stampcard.vouchers import selectors as vouchers_selectors
from stampcard.vouchers.codes import format_code


@dataclass(frozen=True)
class JournalRow:
    event: CardEvent
    at: datetime
    kind: str
    details: str
    staff: str
    channel: str


def journal_rows(events: list[CardEvent]) -> list[JournalRow]:
    rows = []
    for event in events:
        try:
            channel = str(Channel(event.channel).label)
        except ValueError:
            channel = event.channel
        rows.append(
            JournalRow(
                event=event,
                at=timezone.localtime(event.created_at),
                kind=journal.event_kind_label(event),
                details=journal.event_details(event),
                staff=journal.event_staff(event),
                channel=channel,
            )
        )
    return rows


@panel_view(Role.MANAGER)
def journal_list(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    merchant = panel.merchant
    within = panel.location_ids
    locations = list(merchants_selectors.locations_list(merchant=merchant))
    form = JournalFilterForm(
        request.GET or None,
        locations=[location for location in locations if within is None or location.pk in within],
        memberships=list(merchants_selectors.memberships_list(merchant=merchant)),
    )
    page = None
    problem = ""
    if not request.GET or form.is_valid():
        filters = replace(form.filters() if request.GET else journal.JournalFilters(), within=within)
        try:
            page = journal.journal_page(merchant=merchant, filters=filters, cursor=request.GET.get("cursor"))
        except ValidationFailed as refusal:
            problem = str(refusal.message)
    older = ""
    if page and page.next_cursor:
        query = {k: v for k, v in request.GET.items() if k != "cursor" and v}
        older = f"?{urlencode({**query, 'cursor': page.next_cursor})}"
    # Back to the newest lines under the same filters, once paged past them.
    newest = ""
    if request.GET.get("cursor"):
        newest = f"?{urlencode({k: v for k, v in request.GET.items() if k != 'cursor' and v})}"
    context = {
        "form": form,
        "rows": journal_rows(page.events) if page else [],
        "problem": problem,
        "older": older,
        "newest": newest,
    }
    return render(request, "panel/journal/list.html", context)


@panel_view(Role.MANAGER)
def journal_card_view(request: HttpRequest, event_id: int) -> HttpResponse:
    """The customer's web card as it stood right after one event, replayed from the ledger up to that event.

    Drawn with the customer's own card template; the QR and the wallet buttons are left out (a manager looks at the
    past, not at a card to scan), and vouchers show without their public link.
    """
    panel = panel_of(request)
    merchant = panel.merchant
    event = journal.journal_event_get(merchant=merchant, event_id=event_id, within=panel.location_ids)
    snapshot = journal.card_snapshot_at(event=event)
    card = event.card
    program = card.program
    milestones = card.rules.milestone_list()
    vouchers = [
        voucher
        for voucher in vouchers_selectors.vouchers_by_ids(merchant=merchant, ids=snapshot.voucher_ids)
        if voucher.expires_at is None or voucher.expires_at > event.created_at
    ]
    context = {
        "card": {"number": card.number, "stamps": snapshot.stamps, "customer": card.customer},
        "program": program,
        "merchant": merchant,
        "design": pages.program_design(program),
        "qr_svg": "",
        "goal": milestones[-1]["at"],
        "milestones": milestones,
        "slots": pages.stamp_slots(stamps=snapshot.stamps, milestones=milestones),
        "rewards": rewards_selectors.rewards_by_ids(ids=snapshot.reward_ids),
        "vouchers": [{"voucher": voucher, "code": format_code(voucher.code), "url": ""} for voucher in vouchers],
        "wallet": {"any": True},
        "snapshot_at": timezone.localtime(event.created_at),
        "snapshot_event": journal.event_kind_label(event),
    }
    return render(request, "join/card.html", context)


@panel_view(Role.MANAGER)
def journal_export(request: HttpRequest) -> HttpResponseBase:
    """The journal under the journal page's filters, as a CSV file streamed in batches."""
    panel = panel_of(request)
    merchant = panel.merchant
    form = JournalFilterForm(
        request.GET or None,
        locations=list(merchants_selectors.locations_list(merchant=merchant)),
        memberships=list(merchants_selectors.memberships_list(merchant=merchant)),
    )
    if request.GET and not form.is_valid():
        messages.error(request, _("Check the filters: the export takes the same ones as the list."))
        return HttpResponseRedirect(f"{reverse('panel:journal')}?{request.GET.urlencode()}")
    filters = replace(form.filters() if request.GET else journal.JournalFilters(), within=panel.location_ids)
    try:
        # A too-short customer search refuses now, before the download starts; read where the export reads.
        journal.journal_page(merchant=merchant, filters=filters, limit=1, using=replica_alias())
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
        return HttpResponseRedirect(f"{reverse('panel:journal')}?{request.GET.urlencode()}")
    lines = exports.journal_csv(merchant=merchant, filters=filters, language=translation.get_language())
    return exports.csv_response(lines, filename="journal.csv")
