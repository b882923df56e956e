"""The journal page: the merchant's card events, newest first, narrowed by the filter form, paged by keyset."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from stampcard.cards import journal
from stampcard.cards.models import CardEvent
from stampcard.core.errors import ValidationFailed
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_view
from stampcard.panel.journal.forms import JournalFilterForm


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
    merchant = request.panel.merchant  # type: ignore[attr-defined]
    form = JournalFilterForm(
        request.GET or None,
        locations=list(merchants_selectors.locations_list(merchant=merchant)),
        memberships=list(merchants_selectors.memberships_list(merchant=merchant)),
    )
    page = None
    problem = ""
    if not request.GET or form.is_valid():
        filters = form.filters() if request.GET else journal.JournalFilters()
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
