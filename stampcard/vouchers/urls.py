"""Public voucher pages, mounted at ``/v/`` in ``config.urls``."""

from django.urls import path

from stampcard.vouchers import views

urlpatterns = [
    path("<str:token>", views.voucher_page, name="voucher-page"),
    path("<str:token>/qr.svg", views.voucher_qr_svg, name="voucher-qr-svg"),
    path("<str:token>/qr.png", views.voucher_qr_png, name="voucher-qr-png"),
    path("<str:token>/barcode.svg", views.voucher_barcode_svg, name="voucher-barcode-svg"),
    path("<str:token>/barcode.png", views.voucher_barcode_png, name="voucher-barcode-png"),
    path("<str:token>/link-qr.svg", views.voucher_page_qr_svg, name="voucher-page-qr-svg"),
]
