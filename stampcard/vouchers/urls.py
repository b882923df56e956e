"""Public voucher pages, mounted at ``/v/`` in ``config.urls``."""

from django.urls import path

from stampcard.vouchers import views

urlpatterns = [
    path("<str:token>", views.voucher_page, name="voucher-page"),
    path("<str:token>/qr.svg", views.voucher_image, {"kind": "qr_svg"}, name="voucher-qr-svg"),
    path("<str:token>/qr.png", views.voucher_image, {"kind": "qr_png"}, name="voucher-qr-png"),
    path("<str:token>/barcode.svg", views.voucher_image, {"kind": "barcode_svg"}, name="voucher-barcode-svg"),
    path("<str:token>/barcode.png", views.voucher_image, {"kind": "barcode_png"}, name="voucher-barcode-png"),
    path("<str:token>/link-qr.svg", views.voucher_image, {"kind": "page_qr_svg"}, name="voucher-page-qr-svg"),
]
