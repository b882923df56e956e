"""The forms of getting in: sign-in (limited in attempts per email and per IP), sign-up, profile, password reset,
two-factor codes."""

import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_give_back, throttle_take
from stampcard.merchants.models import Membership, Merchant, Role, StaffUser
from stampcard.panel.accounts import regional
from stampcard.panel.accounts.business import BusinessFields

# Failed sign-ins allowed per window: per email (guessing one password) and per IP (trying many emails).
EMAIL_ATTEMPTS = (10, 15 * 60)
IP_ATTEMPTS = (50, 15 * 60)
# Password-reset emails asked for, per address (a mailbox is not flooded) and per IP (addresses are not probed).
RESET_PER_EMAIL = (3, 60 * 60)
RESET_PER_IP = (20, 60 * 60)


def _digest(kind: str, value: str) -> str:
    # The throttle table names its scopes; emails and addresses go in as keyed hashes, not in clear.
    return hashlib.sha256(f"{settings.SECRET_KEY}:{kind}:{value}".encode()).hexdigest()[:32]


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That email and password do not match a staff login. Check both and try again."),
        "throttled": _("Too many attempts. Wait %(minutes)s minutes and try again, or reset your password."),
    }

    def clean(self) -> dict[str, object]:
        email = str(self.cleaned_data.get("username") or "").strip().lower()
        if not email or not self.cleaned_data.get("password"):
            return self.cleaned_data
        limits = [Limit(f"panel-login-email:{_digest('email', email)}", *EMAIL_ATTEMPTS)]
        ip = str(self.request.META.get("REMOTE_ADDR") or "") if self.request else ""
        if ip:
            limits.append(Limit(f"panel-login-ip:{_digest('ip', ip)}", *IP_ATTEMPTS))
        try:
            taken = throttle_take(limits=limits)
        except ThrottleExceeded as exceeded:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, -(-exceeded.retry_after // 60))},
            ) from None
        cleaned = super().clean()
        # Only failures count against the limits: a right password gives its slots back.
        throttle_give_back(taken=taken)
        return cleaned


def password_help() -> str:
    return " ".join(str(text) for text in password_validation.password_validators_help_texts())


def throttled_error(exceeded: ThrottleExceeded) -> forms.ValidationError:
    return forms.ValidationError(
        _("Too many attempts. Wait %(minutes)s minutes and try again."),
        code="throttled",
        params={"minutes": max(1, -(-exceeded.retry_after // 60))},
    )


def client_ip(request: HttpRequest | None) -> str:
    return str(request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def limits_for(
    scope: str, *, email: str = "", ip: str = "", per_email: tuple[int, int], per_ip: tuple[int, int]
) -> list[Limit]:
    limits = []
    if email:
        limits.append(Limit(f"{scope}-email:{_digest('email', email.strip().lower())}", *per_email))
    if ip:
        limits.append(Limit(f"{scope}-ip:{_digest('ip', ip)}", *per_ip))
    return limits


class SignUpForm(BusinessFields):
    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Your email"),
        help_text=_("You sign in with it; we send a link to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    field_order = [
        "business_name", "business_type", "country", "currency", "time_zone", "language",
        "full_name", "email", "password",
    ]  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = password_help()

    def clean_email(self) -> str:
        email = StaffUser.objects.normalize_email(self.cleaned_data["email"]).lower()
        if StaffUser.objects.filter(email=email).exists():
            raise forms.ValidationError(
                _("A staff login with this email exists already. Sign in instead, or reset its password."),
                code="email_taken",
            )
        return email

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = StaffUser(email=cleaned.get("email") or "", full_name=cleaned.get("full_name") or "")
            try:
                password_validation.validate_password(str(password), user=candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class BusinessForm(BusinessFields):
    """The business settings page: the profile of the merchant the owner acts for."""

    def __init__(self, *args: object, merchant: Merchant, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "business_name": merchant.name,
                "business_type": merchant.business_type,
                "country": merchant.country,
                "currency": merchant.currency,
                "time_zone": merchant.timezone,
                "language": merchant.locale,
            },
        )
        super().__init__(*args, **kwargs)
        # A value set before these lists existed (the operator's admin) stays selectable.
        for name, value in (("time_zone", merchant.timezone), ("currency", merchant.currency)):
            choices = list(self.fields[name].choices)  # type: ignore[attr-defined]
            if value and value not in dict(choices):
                self.fields[name].choices = [(value, value), *choices]  # type: ignore[attr-defined]


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your name"), max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("A new address takes effect once you open the link we send to it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = forms.ChoiceField(label=_("Language of the panel"), required=False)

    def __init__(self, *args: object, user: StaffUser, membership: Membership | None = None, **kwargs: object) -> None:
        self.user = user
        initial: dict[str, object] = {"full_name": user.full_name, "email": user.email, "language": user.language}
        if membership is not None:
            initial["alert_emails"] = membership.alert_emails
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["language"].choices = [("", _("As the browser asks")), *regional.language_choices()]  # type: ignore[attr-defined]
        if membership is not None and membership.has_role(Role.MANAGER):
            # Per business: a staff member of two businesses chooses for each while acting for it.
            self.fields["alert_emails"] = forms.BooleanField(
                label=_("Email me about suspicious activity at %(business)s") % {"business": membership.merchant.name},
                help_text=_("One email when the anti-abuse checks raise new alerts, in the language of the panel."),
                required=False,
            )

    def clean_email(self) -> str:
        email = StaffUser.objects.normalize_email(self.cleaned_data["email"]).lower()
        if email != self.user.email and StaffUser.objects.filter(email=email).exists():
            raise forms.ValidationError(_("Another staff login uses this email."), code="email_taken")
        return email


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, limited per email and per IP so it cannot flood a mailbox or probe many addresses."""

    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )

    def __init__(self, *args: object, request: HttpRequest | None = None, **kwargs: object) -> None:
        self.request = request
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        email = str(cleaned.get("email") or "")
        limits = limits_for(
            "panel-reset", email=email, ip=client_ip(self.request), per_email=RESET_PER_EMAIL, per_ip=RESET_PER_IP
        )
        if email and limits:
            try:
                throttle_take(limits=limits)
            except ThrottleExceeded as exceeded:
                raise throttled_error(exceeded) from None
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The six digits your authenticator app shows, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split()).lower()


class TwoFactorConfirmForm(CodeForm):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=6,
        min_length=6,
        help_text=_("The six digits the app shows for stampcard now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}),
    )


class TwoFactorDisableForm(CodeForm):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    field_order = ["password", "code"]

    def __init__(self, *args: object, user: StaffUser, **kwargs: object) -> None:
        self.user = user
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].widget.attrs.pop("autofocus", None)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password
