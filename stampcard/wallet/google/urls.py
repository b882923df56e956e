from django.urls import path

from stampcard.wallet.google import views

app_name = "google_wallet"

urlpatterns = [
    path("callback", views.callback, name="callback"),
    path("hero/<str:design_hash>/<int:count>.png", views.hero, name="hero"),
    path("logo/<uuid:program_id>/<str:version>.png", views.logo, name="logo"),
]
