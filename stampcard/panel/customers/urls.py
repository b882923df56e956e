"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import path

from stampcard.panel.customers import imports, merge, views

urlpatterns = [
    path("customers/", views.customers_page, name="customers"),
    path("customers/duplicates/", merge.duplicates_page, name="customer-duplicates"),
    # Before customers/<customer_id>/, which would take "import" for an id.
    path("customers/export.csv", imports.customers_export, name="customers-export-csv"),
    path("customers/import/", imports.import_upload, name="customers-import"),
    path("customers/import/<import_id>/", imports.import_job, name="customers-import-job"),
    path("customers/import/<import_id>/check/", imports.import_check, name="customers-import-check"),
    path("customers/import/<import_id>/start/", imports.import_start, name="customers-import-start"),
    path("customers/import/<import_id>/progress/", imports.import_progress, name="customers-import-progress"),
    path("customers/<customer_id>/", views.customer_page, name="customer"),
    path("customers/<customer_id>/merge/", merge.merge_pick, name="customer-merge"),
    path("customers/<customer_id>/merge/<other_id>/", merge.merge_preview, name="customer-merge-preview"),
    path("customers/<customer_id>/export/", views.customer_export, name="customer-export"),
    path("customers/<customer_id>/erase/", views.customer_erase, name="customer-erase"),
    path("customers/<customer_id>/send-link/", views.customer_send_link, name="customer-send-link"),
    path("customers/<customer_id>/cards/<card_id>/adjust/", views.customer_adjust, name="customer-adjust"),
    path(
        "customers/<customer_id>/cards/<card_id>/rewards/<reward_id>/hand-over/",
        views.customer_hand_over,
        name="customer-hand-over",
    ),
]
