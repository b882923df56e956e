"""The panel speaks the language a staff member chose for their login, on any device they sign in from."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from stampcard.merchants.models import StaffUser

# Customer pages keep the customer's language even when a staff member opens one in the same browser. Poster's OAuth
# callback answers with the panel's integrations page.
STAFF_PATHS = ("/panel/", "/login/", "/logout/", "/signup/", "/account/", "/integrations/poster/callback")


class StaffLanguageMiddleware:
    """After authentication: activate ``StaffUser.language`` on the panel's pages when the staff member set one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            request.path.startswith(STAFF_PATHS)
            and isinstance(user, StaffUser)
            and user.is_authenticated
            and user.language
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
