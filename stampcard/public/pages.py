"""What every customer page that lets a phone join reuses: the join page here, the receipt claim (``/r/``) and the
delivery insert (``/i/``). They all show the program's colours, join with the same form and the same service, and
let a returning customer prove their email with the code we sent.

A page calls ``join_from_post`` or ``code_check_from_post`` and decides only what comes next: where a new card goes,
where the code page is, what to say to a phone number we cannot verify online.
"""

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from stampcard.cards.models import Card, Program
from stampcard.core.errors import ApplicationError, LimitReached, ValidationFailed
from stampcard.customers.languages import supported_languages
from stampcard.public import recovery, remember, services
from stampcard.public.forms import CodeForm, JoinForm
from stampcard.public.services import JoinOutcome

TICKET_MAX_AGE = 24 * 3600
_RECOVERY_TICKET_SALT = "stampcard.public.recovery-ticket"
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def program_design(program: Program) -> dict[str, str]:
    """The program's colours for a page's CSS; a value that is not ``#rrggbb`` falls back to the default, so a
    colour can never break out of the style block."""
    return {
        "background": _colour(program.background_color, "#1f2937"),
        "foreground": _colour(program.foreground_color, "#ffffff"),
        "label": _colour(program.label_color, "#fbbf24"),
    }


def _colour(value: str, default: str) -> str:
    return value if _HEX_COLOUR.match(value or "") else default


def language_choices() -> list[dict[str, str]]:
    """The languages a customer may read, each named in itself ("English", "Українська")."""
    return [{"code": code, "name": translation.get_language_info(code)["name_local"]} for code in supported_languages()]


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR: behind a proxy the deployment must set it from the trusted forwarded header (see docs).
    return str(request.META.get("REMOTE_ADDR") or "")


def put_error_on_field(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's error next to the field it names, or above the form when the form has no such field."""
    fields = error.details.get("fields") or []
    name = fields[0]["field"] if fields else None
    form.add_error(name if name in form.fields else None, str(error.message))


def retry_message(error: LimitReached) -> str:
    minutes = max(1, (int(error.details.get("retry_after", 60)) + 59) // 60)
    return _("Too many codes were asked for. Try again in %(minutes)d min.") % {"minutes": minutes}


def ask_staff_notice() -> str:
    """For a phone number that already has a card but no email to send a code to."""
    return _("This phone number already has a card here. Ask at the counter: staff will find it by your phone number.")


# --- signed tickets: which recovery a code page belongs to -----------------------------------------------------------


def ticket_sign(value: Any, *, salt: str) -> str:
    return signing.dumps(value, salt=salt)


def ticket_read(request: HttpRequest, *, salt: str) -> Any:
    """The value of the request's ticket (``t``, posted or in the query), or None when missing, forged or older
    than a day."""
    raw = request.POST.get("t") or request.GET.get("t") or ""
    try:
        return signing.loads(raw, salt=salt, max_age=TICKET_MAX_AGE)
    except signing.BadSignature:
        return None


def recovery_code_url(recovery_id: int, *, returning: bool = False) -> str:
    """The join app's code page (``/recover/code``) for a recovery; ``returning`` words it for a customer who tried
    to join with an email we know."""
    query = {"t": ticket_sign(recovery_id, salt=_RECOVERY_TICKET_SALT)}
    if returning:
        query["returning"] = "1"
    return reverse("join:recover-code") + "?" + urlencode(query)


def recovery_id_from(request: HttpRequest) -> int | None:
    """The recovery of a ``recovery_code_url`` ticket, or None."""
    value = ticket_read(request, salt=_RECOVERY_TICKET_SALT)
    return value if isinstance(value, int) else None


# --- the two steps: join with the form, check the emailed code -------------------------------------------------------


@dataclass(frozen=True)
class JoinAttempt:
    """``outcome`` is None when the form now carries the errors to show, with ``status`` the page's status then."""

    form: JoinForm
    outcome: JoinOutcome | None = None
    status: int = 200


def join_from_post(request: HttpRequest, *, program: Program) -> JoinAttempt:
    """Validate the posted join form and join ``program`` with it (``join_enrol``), the cards this phone holds
    recognising a returning customer."""
    form = JoinForm(request.POST)
    if not form.is_valid():
        return JoinAttempt(form=form, status=422)
    data = form.cleaned_data
    try:
        outcome = services.join_enrol(
            program=program,
            name=data["name"],
            email=data["email"] or None,
            phone=data["phone"] or None,
            birthday=data["birthday"],
            marketing_email_consent=data["marketing_email"],
            terms_accepted=data["terms"],
            device_cards=remember.remembered_cards(request),
            ip=client_ip(request),
            language=translation.get_language() or "",
        )
    except ValidationFailed as error:
        put_error_on_field(form, error)
        return JoinAttempt(form=form, status=422)
    except LimitReached as error:
        form.add_error(None, retry_message(error))
        return JoinAttempt(form=form, status=429)
    return JoinAttempt(form=form, outcome=outcome)


@dataclass(frozen=True)
class CodeAttempt:
    """``cards`` are the restored cards once the code was right; otherwise the form or ``failed`` says why not."""

    form: CodeForm
    cards: list[Card] | None = None
    failed: str = ""

    @property
    def status(self) -> int:
        return 422 if self.form.errors or self.failed else 200


def code_check_from_post(request: HttpRequest, *, recovery_id: int) -> CodeAttempt:
    """On POST, check the code typed for ``recovery_id`` (``recovery_verify``); on GET, an empty form."""
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return CodeAttempt(form=form)
    try:
        cards = recovery.recovery_verify(recovery_id=recovery_id, code=form.cleaned_data["code"])
    except ValidationFailed as error:
        put_error_on_field(form, error)
    except recovery.RecoveryFailed as error:
        return CodeAttempt(form=form, failed=str(error.message))
    else:
        return CodeAttempt(form=form, cards=cards)
    return CodeAttempt(form=form)


def code_context(request: HttpRequest, attempt: CodeAttempt) -> dict[str, Any]:
    """What ``join/_code_form.html`` needs."""
    return {
        "form": attempt.form,
        "ticket": request.POST.get("t") or request.GET.get("t"),
        "failed": attempt.failed,
        "minutes": int(recovery.CODE_TTL.total_seconds() // 60),
    }


def stamp_slots(*, stamps: int, milestones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The web card's row of stamp slots: filled up to ``stamps``, milestones marked with their reward's title."""
    goal = milestones[-1]["at"]
    titles = {m["at"]: m["title"] for m in milestones}
    return [{"n": n, "filled": n <= stamps, "milestone": titles.get(n, "")} for n in range(1, goal + 1)]
