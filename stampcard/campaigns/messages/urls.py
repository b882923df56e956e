"""Customer-facing links of messages, mounted at ``m/`` in ``config.urls``."""

from django.urls import path

from stampcard.campaigns.messages import views

app_name = "messages"

urlpatterns = [
    path("unsubscribe/<str:token>", views.unsubscribe_page, name="unsubscribe"),
]
