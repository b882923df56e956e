"""Who may open a panel page: one decorator on every panel view.

``panel_view`` sends an anonymous visitor to sign-in, makes a staff member of several merchants pick one (the choice
lives in the session), refuses a role below the view's minimum with 403 and hands the view a ``PanelContext``.
Objects of another merchant are never reached here: views fetch them through the selectors' tenant doors with
``request.panel.merchant``, which answer 404 for another merchant's ids.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils import timezone
from django_otp import user_has_device

from stampcard.core.errors import NotFound
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Location, Membership, Merchant, Role, StaffUser

SESSION_MERCHANT = "panel_merchant_id"

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


@dataclass(frozen=True)
class PanelContext:
    """The signed-in staff member acting for one merchant."""

    user: StaffUser
    membership: Membership
    actor: Actor
    memberships_count: int = 1

    @property
    def merchant(self) -> Merchant:
        return self.membership.merchant

    @property
    def role(self) -> Role:
        return Role(self.membership.role)

    def can(self, minimum: Role) -> bool:
        return self.membership.has_role(minimum)

    @cached_property
    def location_ids(self) -> frozenset[uuid.UUID] | None:
        """The locations this staff member is limited to; None when they see the whole merchant."""
        return merchants_selectors.membership_location_ids(membership=self.membership)

    def locations(self) -> list[Location]:
        """The active locations this staff member may act for (all of the merchant's when not limited)."""
        limited = list(self.membership.locations.filter(is_active=True))
        return limited or list(self.merchant.locations.filter(is_active=True))


def panel_of(request: HttpRequest) -> PanelContext:
    """The ``PanelContext`` that ``panel_view`` put on the request."""
    return request.panel  # type: ignore[attr-defined]


def memberships_of(user: StaffUser) -> list[Membership]:
    return list(
        Membership.objects.select_related("merchant")
        .filter(user=user, is_active=True)
        .order_by("merchant__name", "merchant_id")
    )


def current_membership(request: HttpRequest, memberships: list[Membership] | None = None) -> Membership | None:
    """The membership the session acts with: the chosen one, else the only one. None when a choice is needed."""
    if memberships is None:
        memberships = memberships_of(request.user)  # type: ignore[arg-type]
    chosen = request.session.get(SESSION_MERCHANT)
    for membership in memberships:
        if str(membership.merchant_id) == chosen:
            return membership
    if len(memberships) == 1:
        request.session[SESSION_MERCHANT] = str(memberships[0].merchant_id)
        return memberships[0]
    return None


def choose_merchant(request: HttpRequest, *, merchant_id: str) -> Membership | None:
    """Act for ``merchant_id`` from now on in this session, if the signed-in staff member works there."""
    for membership in memberships_of(request.user):  # type: ignore[arg-type]
        if str(membership.merchant_id) == merchant_id:
            request.session[SESSION_MERCHANT] = merchant_id
            return membership
    return None


def login_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('panel:login')}?{urlencode({'next': request.get_full_path()})}")


def second_factor_missing(user: StaffUser) -> bool:
    """The login has a confirmed two-factor device but this session was not verified with it (django-otp's
    OTPMiddleware sets ``is_verified``)."""
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified is not None and is_verified()) and user_has_device(user, confirmed=True)


def panel_view(minimum: Role = Role.CASHIER, *, methods: Iterable[str] = ("GET",)) -> Callable[[View], View]:
    """Guard a panel view: signed in, acting for one merchant, holding at least ``minimum`` there.

    A ``NotFound`` from a tenant door inside the view (another merchant's id) answers 404.
    ``methods`` are the HTTP methods the view answers (HEAD follows GET); others get 405. The minimum and the
    methods stay on the view (``panel_minimum_role``, ``panel_methods``) for the test that walks every panel URL.
    """
    allowed = {m.upper() for m in methods}
    if "GET" in allowed:
        allowed.add("HEAD")

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated or not isinstance(user, StaffUser):
                return login_redirect(request)
            if second_factor_missing(user):
                # A login with two-factor on whose session skipped the code step (e.g. it was turned on elsewhere).
                return HttpResponseRedirect(
                    f"{reverse('panel:login-code')}?{urlencode({'next': request.get_full_path()})}"
                )
            memberships = memberships_of(user)
            membership = current_membership(request, memberships)
            if membership is None:
                if not memberships:
                    raise PermissionDenied("no active membership")
                return HttpResponseRedirect(f"{reverse('panel:choose')}?{urlencode({'next': request.get_full_path()})}")
            if not membership.has_role(minimum):
                raise PermissionDenied(f"needs {minimum.value}")
            if request.method not in allowed:
                return HttpResponseNotAllowed(sorted(allowed))
            # Times on panel pages read in the merchant's own zone, whatever the server's.
            timezone.activate(membership.merchant.tz)
            actor = Actor(merchant=membership.merchant, channel=Channel.PANEL, user=user, membership=membership)
            request.panel = PanelContext(  # type: ignore[attr-defined]
                user=user, membership=membership, actor=actor, memberships_count=len(memberships)
            )
            try:
                return view(request, *args, **kwargs)
            except NotFound:  # a tenant door refused another merchant's (or a made-up) id
                raise Http404() from None

        guarded.panel_minimum_role = minimum  # type: ignore[attr-defined]
        guarded.panel_methods = frozenset(allowed)  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def panel_public(view: View) -> View:
    """Mark a panel URL open to visitors (sign-in, sign-up, password reset): the URL walk expects no login there."""
    view.panel_public = True  # type: ignore[attr-defined]
    return view
