"""The unsubscribe link of our emails (``List-Unsubscribe``).

POST unsubscribes: from the mail app's one-click button (RFC 8058: a POST with ``List-Unsubscribe=One-Click``, no
cookies, so no CSRF token; the signed token in the URL is the credential) or from the button of the page. GET only
asks (mail scanners open links; a GET must change nothing) and shows that button, in the customer's language.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from stampcard.campaigns.messages import language, unsubscribe
from stampcard.core.errors import NotFound
from stampcard.core.http import private


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        delivery = unsubscribe.delivery_by_token(token)
    except NotFound:
        raise Http404 from None
    customer, merchant = delivery.customer, delivery.merchant
    done = False
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        unsubscribe.email_unsubscribe(delivery=delivery, one_click=one_click)
        done = True
    lang = language.recipient_language(customer=customer)
    with translation.override(lang):
        context = {
            "merchant": merchant,
            "program": delivery.card.program,
            "done": done,
            "subscribed": not done and customer.marketing_email_consent,
        }
        response = render(request, "messages/unsubscribe.html", context)
    response["Content-Language"] = lang
    return private(response)
