"""Printable documents answered by an API route: one PDF attachment shape, and its OpenAPI description."""

from typing import Any

from django.http import HttpResponse

# For ``openapi_extra=``: the route answers a PDF, not JSON, on success.
PDF_OPENAPI: dict[str, Any] = {"responses": {200: {"description": "A4 PDF", "content": {"application/pdf": {}}}}}


def pdf_attachment(document: bytes, *, filename: str) -> HttpResponse:
    """A PDF the browser saves as ``filename`` rather than opening in place."""
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
