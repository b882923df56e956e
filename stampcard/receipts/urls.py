"""Pages of stampcard.receipts, mounted at ``/r/`` in ``config.urls``."""

from django.urls import path

from stampcard.receipts import views

app_name = "receipts"

urlpatterns = [
    path("<str:token>", views.claim_page, name="claim"),
    path("<str:token>/code", views.claim_code, name="code"),
    path("<str:token>/qr.svg", views.claim_image, {"kind": "svg"}, name="qr-svg"),
    path("<str:token>/qr-58.png", views.claim_image, {"kind": "png58"}, name="qr-png-58"),
    path("<str:token>/qr-80.png", views.claim_image, {"kind": "png80"}, name="qr-png-80"),
]
