"""Mounted at the site root in the panel's namespace: /login/, /logout/, /signup/ and the rest of getting in."""

from django.urls import path

from stampcard.panel.accounts import views

urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
]
