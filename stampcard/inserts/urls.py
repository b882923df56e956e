"""Pages of stampcard.inserts, mounted at ``/i/`` in ``config.urls``: the short URL printed in each insert's QR."""

from django.urls import path

from stampcard.inserts import views

app_name = "inserts"

urlpatterns = [
    path("<str:token>", views.claim_page, name="claim"),
]
