"""Bearer device-token authentication for the scanner API."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from stampcard.scanner import services
from stampcard.scanner.errors import DeviceUnpaired
from stampcard.scanner.models import ScannerDevice


class DeviceAuth(HttpBearer):
    """Sets ``request.auth`` to the paired ScannerDevice. Anything else is 401 ``device_unpaired``: the app then
    forgets its token and shows the login screen, whatever exactly was wrong with it."""

    def __call__(self, request: HttpRequest) -> ScannerDevice:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise DeviceUnpaired()
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> ScannerDevice:
        return services.device_authenticate(raw_token=token)


def device_of(request: HttpRequest) -> ScannerDevice:
    return request.auth  # type: ignore[attr-defined]
