"""Sign-in and sign-out of the panel (Django's views, our form and pages)."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from stampcard.panel.access import panel_public
from stampcard.panel.accounts.forms import SignInForm

sign_in = panel_public(
    auth_views.LoginView.as_view(
        template_name="panel/accounts/login.html",
        authentication_form=SignInForm,
        redirect_authenticated_user=True,
        next_page=reverse_lazy("panel:dashboard"),
    )
)

sign_out = panel_public(auth_views.LogoutView.as_view(next_page=reverse_lazy("panel:login")))
