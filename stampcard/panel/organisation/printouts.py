"""QR & print: each program's join QR, its printable page and label PDFs (served by the public app's staff views)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe

from stampcard.cards import links
from stampcard.cards.models import Program
from stampcard.core.qr import qr_svg_inline
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.models import SetupStep
from stampcard.panel.setup import setup_step_done
from stampcard.public.pdf import LABEL_SIZES


@panel_view(Role.MANAGER)
def printouts_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    programs = []
    # Tenant-scoped on purpose: only this merchant's running programs.
    for program in Program.objects.filter(merchant=panel.merchant, is_active=True).order_by("created_at", "pk"):
        ref = links.program_slug(program)
        url = links.join_url(program)
        programs.append(
            {
                "program": program,
                "join_url": url,
                "qr_svg": mark_safe(qr_svg_inline(url, scale=5)),  # noqa: S308 - segno's own markup
                "qr_page": reverse("join:staff-qr", kwargs={"ref": ref}),
                "labels": [
                    {"size": size, "url": reverse("join:label", kwargs={"ref": ref, "size": size})}
                    for size in LABEL_SIZES
                ],
            }
        )
    # Opening this page is how a merchant gets to the QR to print: the guided start counts the step as done.
    if programs:
        setup_step_done(merchant=panel.merchant, step=SetupStep.PRINT_JOIN_QR)
    return render(request, "panel/organisation/printouts.html", {"programs": programs})
