"""Sign-in: Django's authentication form, limited in attempts per email and per IP."""

import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_give_back, throttle_take

# Failed sign-ins allowed per window: per email (guessing one password) and per IP (trying many emails).
EMAIL_ATTEMPTS = (10, 15 * 60)
IP_ATTEMPTS = (50, 15 * 60)


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
