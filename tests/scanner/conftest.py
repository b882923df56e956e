"""Scanner fixtures: staff logins with passwords, devices paired in each mode, a client that speaks the device API,
and a fixed clock that also pins the ledger's ``created_at`` (auto_now_add reads django.utils.timezone.now)."""

import json
import uuid
from contextlib import contextmanager
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from stampcard.core import clock
from stampcard.merchants.models import Membership, Role
from stampcard.scanner import services
from stampcard.scanner.models import ScannerDevice
from tests.factories import MembershipFactory, StaffUserFactory

PASSWORD = "correct horse battery staple"
KYIV = ZoneInfo("Europe/Kyiv")


def kyiv(*args: int) -> datetime:
    return datetime(*args, tzinfo=KYIV)


@contextmanager
def fixed_clock(moment: datetime):
    """Pin stampcard's clock and Django's (the ledger's created_at) to ``moment``."""
    with clock.frozen_at(moment), mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class DeviceClient:
    """The scanner API as the app calls it: JSON bodies, the device token as a bearer token."""

    def __init__(self, token: str | None = None, language: str = "en") -> None:
        headers = {"Accept-Language": language}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = Client(headers=headers, REMOTE_ADDR="203.0.113.7")
        self.token = token

    def get(self, path: str, **extra):
        return self.http.get(f"/scanner/api{path}", **extra)

    def post(self, path: str, body: dict | None = None, **extra):
        return self.http.post(
            f"/scanner/api{path}", data=json.dumps(body or {}), content_type="application/json", **extra
        )

    def delete(self, path: str, body: dict | None = None):
        return self.http.delete(
            f"/scanner/api{path}", data=json.dumps(body) if body is not None else "", content_type="application/json"
        )

    def scan(self, card, scan_id: str | None = None):
        return self.post("/scans", {"qr": card.qr_payload, "scan_id": scan_id or str(uuid.uuid4())})

    def stamp(self, card, scan_id: str | None = None, amount: int | None = None, ref: str | None = None):
        body = {"scan_id": scan_id or str(uuid.uuid4()), "amount": amount}
        return self.post(f"/cards/{ref or card.qr_payload}/stamps", body)


def staff_member(merchant, role: Role = Role.CASHIER, locations=(), email: str | None = None) -> Membership:
    user = StaffUserFactory(**({"email": email} if email else {}))
    membership = MembershipFactory(merchant=merchant, user=user, role=role)
    if locations:
        membership.locations.set(locations)
    return membership


def pair_device(membership: Membership, location, mode: str = "manual", name: str = "Counter tablet"):
    login = services.staff_login(email=membership.user.email, password=PASSWORD)
    device, token = services.device_pair(ticket=login.ticket, location_id=str(location.pk), name=name, mode=mode)
    return device, token


@pytest.fixture
def staff(merchant, location) -> Membership:
    return staff_member(merchant)


@pytest.fixture
def manual(staff, location, program) -> tuple[ScannerDevice, DeviceClient]:
    device, token = pair_device(staff, location, "manual")
    return device, DeviceClient(token)


@pytest.fixture
def kiosk(staff, location, program) -> tuple[ScannerDevice, DeviceClient]:
    device, token = pair_device(staff, location, "kiosk", name="Kiosk")
    return device, DeviceClient(token)


@pytest.fixture
def autopilot(staff, location, program) -> tuple[ScannerDevice, DeviceClient]:
    device, token = pair_device(staff, location, "autopilot", name="Barcode scanner")
    return device, DeviceClient(token)
