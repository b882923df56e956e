from django.contrib import admin

from stampcard.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "merchant", "created_at"]
    search_fields = ["name_folded", "email", "phone"]
