from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "stampcard.customers"
    label = "customers"
