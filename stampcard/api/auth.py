"""Bearer API-key authentication for the POS API."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from stampcard.core.errors import NotAuthenticated
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor


class ApiKeyAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Actor:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise NotAuthenticated()
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(code="invalid_authorization_header")
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Actor:
        return merchants_services.api_key_authenticate(raw_key=token)
