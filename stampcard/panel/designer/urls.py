"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import URLPattern, path

from stampcard.panel.designer import views

urlpatterns: list[URLPattern] = [
    path("programs/", views.program_list_page, name="programs"),
    path("programs/new/", views.program_new_page, name="program-new"),
    path("programs/import/", views.program_import_page, name="program-import"),
    path("programs/<uuid:program_id>/", views.program_edit_page, name="program-edit"),
    path("programs/<uuid:program_id>/look/", views.program_look_page, name="program-look"),
    path("programs/<uuid:program_id>/earning/", views.program_earning_page, name="program-earning"),
    path("programs/<uuid:program_id>/goals/", views.program_goals_page, name="program-goals"),
    path("programs/<uuid:program_id>/stamping/", views.program_stamping_page, name="program-stamping"),
    path("programs/<uuid:program_id>/self-service/", views.program_selfservice_page, name="program-selfservice"),
    path("programs/<uuid:program_id>/referral/", views.program_referral_page, name="program-referral"),
    path("programs/<uuid:program_id>/review/", views.program_review_page, name="program-review"),
    path("programs/<uuid:program_id>/preview/", views.program_preview_fragment, name="program-preview"),
    path("programs/<uuid:program_id>/preview.png", views.program_preview_image, name="program-preview-image"),
    path("programs/<uuid:program_id>/versions/", views.program_versions_page, name="program-versions"),
    path("programs/<uuid:program_id>/regenerate/", views.program_regenerate, name="program-regenerate"),
    path("programs/<uuid:program_id>/export.json", views.program_export_file, name="program-export"),
]
