"""``/invite/<token>/``: an invited person joins the staff, with a new login (name and password) or their own."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.password_validation import validate_password
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.core.errors import ApplicationError
from stampcard.merchants import staffing
from stampcard.merchants.models import StaffUser
from stampcard.panel.access import SESSION_MERCHANT, login_redirect, panel_public


class NewLoginForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Your name"), max_length=200)
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 8 characters; not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: object, email: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.email = email

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ. Type the same password twice."))
        elif first:
            try:
                validate_password(str(first), StaffUser(email=self.email, full_name=str(data.get("full_name", ""))))
            except forms.ValidationError as weak:
                self.add_error("password1", weak)
        return data


@panel_public
def invite_page(request: HttpRequest, invitation_token: str) -> HttpResponse:
    try:
        invitation = staffing.invitation_get(raw_token=invitation_token)
    except ApplicationError as refused:
        return render(request, "panel/organisation/invite.html", {"problem": refused.message}, status=refused.status)
    existing = StaffUser.objects.filter(email=invitation.email).first()
    signed_in = request.user.is_authenticated and isinstance(request.user, StaffUser)
    context: dict[str, object] = {"invitation": invitation, "existing": existing is not None}
    if existing is not None:
        if not signed_in:
            context["sign_in_url"] = login_redirect(request)["Location"]
        elif request.user.pk != existing.pk:
            context["problem"] = _("This invitation was sent to %(email)s. Sign out and open the link again.") % {
                "email": invitation.email
            }
        elif request.method == "POST":
            return _accepted(request, lambda: staffing.invitation_accept(raw_token=invitation_token, user=existing))
        return render(request, "panel/organisation/invite.html", context)
    form = NewLoginForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return _accepted(
            request,
            lambda: staffing.invitation_accept_new_login(
                raw_token=invitation_token, full_name=data["full_name"], password=data["password1"]
            ),
            new_login=True,
        )
    context["form"] = form
    return render(request, "panel/organisation/invite.html", context)


def _accepted(request: HttpRequest, accept: object, *, new_login: bool = False) -> HttpResponse:
    try:
        membership = accept()  # type: ignore[operator]
    except ApplicationError as refused:
        return render(request, "panel/organisation/invite.html", {"problem": refused.message}, status=refused.status)
    if new_login:
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_MERCHANT] = str(membership.merchant_id)
    messages.success(request, _("Welcome to %(merchant)s.") % {"merchant": membership.merchant.name})
    return HttpResponseRedirect(reverse("panel:dashboard"))
