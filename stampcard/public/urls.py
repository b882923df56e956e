"""Customer pages, mounted at the site root in ``config.urls``."""

from django.urls import path

from stampcard.public import views

app_name = "join"

urlpatterns = [
    path("j/<str:ref>", views.join_page, name="join"),
    path("j/<str:ref>/terms", views.terms_page, name="terms"),
    path("j/<str:ref>/qr", views.staff_qr_page, name="staff-qr"),
    path("j/<str:ref>/label-<str:size>.pdf", views.staff_label_pdf, name="label"),
    path("c/<str:token>", views.card_page, name="card"),
    path("c/<str:token>/language", views.card_language, name="card-language"),
    path("c/<str:token>/google", views.card_google_save, name="card-google"),
    path("c/<str:token>/data", views.data_rights_page, name="card-data"),
    path("c/<str:token>/data/<int:request_id>", views.data_rights_code, name="card-data-code"),
    path("recover", views.recover_start, name="recover"),
    path("recover/code", views.recover_code, name="recover-code"),
]
