import pytest

from stampcard.scanner.demo import seed_demo
from stampcard.scanner.models import ScannerDevice

pytestmark = pytest.mark.django_db


def test_the_demo_points_at_the_scanner_app_and_its_docs(client, merchant, program, location, owner):
    urls = seed_demo(
        merchant=merchant, program=program, location=location, owner_actor=owner.actor(), base_url="http://demo:8000/"
    )

    assert set(urls.values()) == {"http://demo:8000/scanner/", "http://demo:8000/scanner/api/docs"}
    assert client.get("/scanner/api/docs").status_code == 200
    assert not ScannerDevice.objects.exists()
    assert (
        seed_demo(
            merchant=merchant,
            program=program,
            location=location,
            owner_actor=owner.actor(),
            base_url="http://demo:8000",
        )
        == urls
    )
