"""Getting into the panel and the staff member's own account: sign-in (with the two-factor step), sign-up, email
verification, password reset and change, the profile, two-factor settings; and the owner's business settings."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from stampcard.cards.models import Check
from stampcard.core.errors import Conflict
from stampcard.core.throttle import ThrottleExceeded
from stampcard.merchants import errors as merchants_errors
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import BusinessType, Membership, Role, StaffUser
from stampcard.panel.access import SESSION_MERCHANT, panel_public, panel_view, second_factor_missing
from stampcard.panel.accounts import regional, two_factor, verification
from stampcard.panel.accounts.forms import (
    BusinessForm,
    CodeForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
    TwoFactorConfirmForm,
    TwoFactorDisableForm,
    client_ip,
    throttled_error,
)

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
SESSION_BACKUP_CODES = "panel_backup_codes"
WRONG_CODE = gettext_lazy("That code is not right. Check the clock of your phone and try the newest code.")


class SignInView(auth_views.LoginView):
    """Django's sign-in; a login with two-factor on only gets a pending mark here and goes on to the code step."""

    template_name = "panel/accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    next_page = "panel:dashboard"  # a URL name: LoginView resolves it

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if two_factor.second_factor_on(user):
            self.request.session[two_factor.SESSION_PENDING] = two_factor.pending_mark(
                user=user, backend=str(getattr(user, "backend", MODEL_BACKEND)), next_url=self.get_success_url()
            )
            return HttpResponseRedirect(reverse("panel:login-code"))
        return super().form_valid(form)


sign_in = panel_public(SignInView.as_view())
sign_out = panel_public(auth_views.LogoutView.as_view(next_page=reverse_lazy("panel:login")))


@panel_public
@sensitive_post_parameters("code")
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: a code from the authenticator app or a backup code."""
    pending = two_factor.pending_user(request.session.get(two_factor.SESSION_PENDING))
    user: StaffUser | None = None
    backend, next_url = MODEL_BACKEND, ""
    if pending is not None:
        user, backend, next_url = pending
    elif isinstance(request.user, StaffUser) and second_factor_missing(request.user):
        user = request.user  # signed in before two-factor was turned on, on another device
        next_url = request.GET.get("next", "")
    if user is None:
        messages.info(request, _("Sign in again, please: the code step waited too long."))
        return HttpResponseRedirect(reverse("panel:login"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.code_verify(user=user, code=form.cleaned_data["code"], ip=client_ip(request))
        except ThrottleExceeded as exceeded:
            form.add_error(None, throttled_error(exceeded))
        else:
            if device is None:
                form.add_error("code", WRONG_CODE)
            else:
                request.session.pop(two_factor.SESSION_PENDING, None)
                if request.user.pk != user.pk:
                    login(request, user, backend=backend or MODEL_BACKEND)
                otp_login(request, device)
                return HttpResponseRedirect(_safe_next(request, next_url))
    return render(request, "panel/accounts/login_code.html", {"form": form})


@panel_public
@sensitive_post_parameters("password")
def sign_up(request: HttpRequest) -> HttpResponse:
    """A new business with its first location, and its owner's login; signed in right after."""
    if request.method == "POST":
        form = SignUpForm(request.POST)
    else:
        guess = regional.guess_from_browser(request.headers.get("Accept-Language", ""))
        form = SignUpForm(
            initial={
                "business_type": BusinessType.CAFE,
                "country": guess.country,
                "currency": guess.currency,
                "time_zone": guess.time_zone,
                "language": guess.language,
            }
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            merchant = merchants_services.merchant_sign_up(
                email=data["email"],
                password=data["password"],
                full_name=data["full_name"],
                name=data["business_name"],
                business_type=BusinessType(data["business_type"]),
                country=data["country"],
                currency=data["currency"],
                timezone=data["time_zone"],
                locale=data["language"],
            )
        except Conflict as conflict:
            form.add_error("email", str(conflict.message))
        else:
            owner = StaffUser.objects.get(email=data["email"])
            login(request, owner, backend=MODEL_BACKEND)
            request.session[SESSION_MERCHANT] = str(merchant.pk)
            if verification.verification_send(user=owner):
                messages.success(
                    request, _("Welcome! We sent a link to %(email)s to confirm it.") % {"email": owner.email}
                )
            else:
                messages.warning(request, _("Welcome! We could not send the confirmation email; send it again below."))
            return HttpResponseRedirect(reverse("panel:dashboard"))
    return render(request, "panel/accounts/signup.html", {"form": form})


@panel_public
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        verified = verification.email_verify(token=token)
    except verification.LinkInvalid as invalid:
        return render(
            request, "panel/accounts/verify_email.html", {"invalid": True, "expired": invalid.expired}, status=400
        )
    return render(request, "panel/accounts/verify_email.html", {"verified": verified})


@panel_view(Role.CASHIER, methods=("POST",))
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    user = request.panel.user  # type: ignore[attr-defined]
    next_url = _safe_next(request, request.POST.get("next"))
    if user.email_verified_at is not None:
        messages.info(request, _("Your email is confirmed already."))
        return HttpResponseRedirect(next_url)
    try:
        verification.verification_resend_allowed(user=user)
    except ThrottleExceeded as exceeded:
        messages.error(
            request,
            _("The link was sent several times already. Try again in %(minutes)s minutes.")
            % {"minutes": max(1, -(-exceeded.retry_after // 60))},
        )
        return HttpResponseRedirect(next_url)
    if verification.verification_send(user=user):
        messages.success(request, _("Sent. Open the link in the email to %(email)s.") % {"email": user.email})
    else:
        messages.error(request, _("The email could not be sent just now. Try again in a few minutes."))
    return HttpResponseRedirect(next_url)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "panel/accounts/password_reset_form.html"
    email_template_name = "panel/accounts/email/password_reset_body.txt"
    subject_template_name = "panel/accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("panel:password-reset-done")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


password_reset = panel_public(PasswordResetView.as_view())
password_reset_done = panel_public(
    auth_views.PasswordResetDoneView.as_view(template_name="panel/accounts/password_reset_done.html")
)
password_reset_confirm = panel_public(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="panel/accounts/password_reset_confirm.html",
        success_url=reverse_lazy("panel:password-reset-complete"),
    )
)
password_reset_complete = panel_public(
    auth_views.PasswordResetCompleteView.as_view(template_name="panel/accounts/password_reset_complete.html")
)


@panel_view(Role.CASHIER, methods=("GET", "POST"))
def account_page(request: HttpRequest) -> HttpResponse:
    """The staff member's own profile: name, email (a new one counts once its link is opened), panel language, and
    (managers and owners) whether to get suspicious-activity alerts of the current business by email."""
    user = request.panel.user  # type: ignore[attr-defined]
    membership = request.panel.membership  # type: ignore[attr-defined]
    form = ProfileForm(request.POST or None, user=user, membership=membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        StaffUser.objects.filter(pk=user.pk).update(full_name=data["full_name"], language=data["language"])
        if "alert_emails" in data:
            Membership.objects.filter(pk=membership.pk).update(alert_emails=data["alert_emails"])
        if data["email"] != user.email:
            if verification.verification_send(user=user, email=data["email"]):
                messages.success(
                    request,
                    _("Saved. Open the link we sent to %(email)s to move your login to it.") % {"email": data["email"]},
                )
            else:
                messages.error(
                    request, _("Saved, but the email to the new address could not be sent. Try again later.")
                )
        else:
            messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("panel:account"))
    return render(request, "panel/accounts/account.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "panel/accounts/password_change.html"
    success_url = reverse_lazy("panel:account")

    def form_valid(self, form: Form) -> HttpResponse:
        response = super().form_valid(form)  # type: ignore[arg-type]
        messages.success(self.request, _("Your password is changed."))
        return response


password_change = panel_view(Role.CASHIER, methods=("GET", "POST"))(PasswordChangeView.as_view())


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def security_page(request: HttpRequest) -> HttpResponse:
    """Two-factor sign-in: its state, turning it on (scan the QR, confirm a code), the backup codes shown once."""
    user = request.panel.user  # type: ignore[attr-defined]
    if request.method == "POST":  # "Turn on": a new secret to scan
        two_factor.totp_setup_start(user=user)
        return HttpResponseRedirect(reverse("panel:account-security"))
    return _security_render(request, user)


def _security_render(
    request: HttpRequest,
    user: StaffUser,
    *,
    confirm_form: Form | None = None,
    disable_form: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    enabled = two_factor.second_factor_on(user)
    pending = None if enabled else two_factor.totp_pending(user=user)
    context: dict[str, object] = {
        "enabled": enabled,
        "pending": pending,
        "backup_codes": request.session.pop(SESSION_BACKUP_CODES, None),
        "backup_left": two_factor.backup_codes_left(user=user) if enabled else 0,
        "confirm_form": confirm_form or TwoFactorConfirmForm(),
        "disable_form": disable_form or TwoFactorDisableForm(user=user),
        "renew_form": CodeForm(),
    }
    if pending is not None:
        context["qr_svg"] = two_factor.totp_qr_svg(pending)
        context["secret"] = two_factor.totp_secret(pending)
    return render(request, "panel/accounts/security.html", context, status=status)


@panel_view(Role.MANAGER, methods=("POST",))
@sensitive_post_parameters("code")
def security_confirm(request: HttpRequest) -> HttpResponse:
    user = request.panel.user  # type: ignore[attr-defined]
    form = TwoFactorConfirmForm(request.POST)
    pending = two_factor.totp_pending(user=user)
    if pending is None:
        messages.info(request, _("Start again: press “Turn on two-factor sign-in”."))
        return HttpResponseRedirect(reverse("panel:account-security"))
    if form.is_valid():
        codes = two_factor.totp_confirm(user=user, device=pending, code=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, two_factor.totp_device(user=user))
            request.session[SESSION_BACKUP_CODES] = codes
            messages.success(request, _("Two-factor sign-in is on. Keep the backup codes below somewhere safe."))
            return HttpResponseRedirect(reverse("panel:account-security"))
        form.add_error("code", WRONG_CODE)
    return _security_render(request, user, confirm_form=form, status=400)


@panel_view(Role.MANAGER, methods=("POST",))
@sensitive_post_parameters("password", "code")
def security_disable(request: HttpRequest) -> HttpResponse:
    user = request.panel.user  # type: ignore[attr-defined]
    form = TwoFactorDisableForm(request.POST, user=user)
    if form.is_valid() and _code_accepted(request, form, user):
        two_factor.two_factor_disable(user=user)
        messages.success(request, _("Two-factor sign-in is off."))
        return HttpResponseRedirect(reverse("panel:account-security"))
    return _security_render(request, user, disable_form=form, status=400)


@panel_view(Role.MANAGER, methods=("POST",))
@sensitive_post_parameters("code")
def security_backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes (the old ones stop working), against a current code."""
    user = request.panel.user  # type: ignore[attr-defined]
    form = CodeForm(request.POST)
    if not two_factor.second_factor_on(user):
        return HttpResponseRedirect(reverse("panel:account-security"))
    if form.is_valid() and _code_accepted(request, form, user):
        request.session[SESSION_BACKUP_CODES] = two_factor.backup_codes_replace(user=user)
        messages.success(request, _("New backup codes made; the old ones no longer work."))
        return HttpResponseRedirect(reverse("panel:account-security"))
    messages.error(request, _("That code is not right; the backup codes stay as they were."))
    return HttpResponseRedirect(reverse("panel:account-security"))


def _code_accepted(request: HttpRequest, form: Form, user: StaffUser) -> bool:
    try:
        device = two_factor.code_verify(user=user, code=form.cleaned_data["code"], ip=client_ip(request))
    except ThrottleExceeded as exceeded:
        form.add_error(None, throttled_error(exceeded))
        return False
    if device is None:
        form.add_error("code", _("That code is not right."))
        return False
    return True


@panel_view(Role.OWNER, methods=("GET", "POST"))
def business_page(request: HttpRequest) -> HttpResponse:
    """The owner's business settings: name, type, country, currency, time zone, language of the cards."""
    panel = request.panel  # type: ignore[attr-defined]
    merchant = panel.merchant
    form = BusinessForm(request.POST or None, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            merchants_services.merchant_settings_update(
                actor=panel.actor,
                name=data["business_name"],
                business_type=BusinessType(data["business_type"]),
                country=data["country"],
                currency=data["currency"],
                timezone=data["time_zone"],
                locale=data["language"],
                currency_in_use=Check.objects.filter(merchant=merchant, currency=merchant.currency).exists(),
            )
        except merchants_errors.CurrencyInUse as refused:
            form.add_error("currency", str(refused.message))
        else:
            messages.success(request, _("Business settings saved."))
            return HttpResponseRedirect(reverse("panel:business"))
    return render(request, "panel/accounts/business.html", {"form": form}, status=400 if form.errors else 200)


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("panel:dashboard")
