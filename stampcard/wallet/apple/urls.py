"""Apple Wallet routes, mounted at ``/wallet/apple/`` in ``config.urls``; ``webServiceURL`` points here."""

from django.urls import path

from stampcard.wallet.apple import views

urlpatterns = [
    path(
        "v1/devices/<str:device>/registrations/<str:pass_type>/<str:serial>",
        views.registration,
        name="apple-wallet-registration",
    ),
    path("v1/devices/<str:device>/registrations/<str:pass_type>", views.serials, name="apple-wallet-serials"),
    path("v1/passes/<str:pass_type>/<str:serial>", views.latest_pass, name="apple-wallet-pass"),
    path("v1/log", views.log, name="apple-wallet-log"),
    path("pass/<str:token>.pkpass", views.download, name="apple-wallet-pass-download"),
]
