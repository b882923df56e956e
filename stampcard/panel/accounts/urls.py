"""Mounted at the site root in the panel's namespace: /login/, /logout/, /signup/, /account/…, /password-reset/…
and the owner's business settings at /panel/business/."""

from django.urls import path

from stampcard.panel.accounts import views

urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("login/code/", views.sign_in_code, name="login-code"),
    path("logout/", views.sign_out, name="logout"),
    path("signup/", views.sign_up, name="signup"),
    path("account/", views.account_page, name="account"),
    path("account/password/", views.password_change, name="account-password"),
    path("account/security/", views.security_page, name="account-security"),
    path("account/security/confirm/", views.security_confirm, name="account-security-confirm"),
    path("account/security/disable/", views.security_disable, name="account-security-disable"),
    path("account/security/backup-codes/", views.security_backup_codes, name="account-security-backup-codes"),
    path("account/verify/resend/", views.verify_email_resend, name="verify-email-resend"),
    path("account/verify/<str:token>/", views.verify_email, name="verify-email"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_done, name="password-reset-done"),
    path("password-reset/<uidb64>/<token>/", views.password_reset_confirm, name="password-reset-confirm"),
    path("password-reset/done/", views.password_reset_complete, name="password-reset-complete"),
    path("panel/business/", views.business_page, name="business"),
]
