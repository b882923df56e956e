"""Delivery inserts in the panel: a manager makes a batch on a form, downloads its PDF, and reads what each batch
brought (claims, new customers); refusals show on the form; cashiers and other merchants stay out."""

import io
import math
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from stampcard.core import clock
from stampcard.inserts import pdf, services
from stampcard.inserts.benefits import benefit_clean
from stampcard.inserts.errors import InsertBatchInvalid
from stampcard.inserts.models import Insert, InsertBatch
from stampcard.merchants.actors import Channel
from stampcard.merchants.errors import LocationInactive
from stampcard.merchants.models import Role
from tests.factories import CardFactory, CustomerFactory, LocationFactory, ProgramFactory
from tests.panel.conftest import signed_in
from tests.panel.objects import Shop

pytestmark = pytest.mark.django_db

LIST = "/panel/printouts/inserts/"
NEW = "/panel/printouts/inserts/new/"


def form_data(shop: Shop, **changes) -> dict[str, str]:
    data = {
        "name": "Glovo — December",
        "aggregator": "glovo",
        "aggregator_name": "",
        "program": str(shop.program.pk),
        "location": str(shop.location.pk),
        "count": "14",
        "benefit_kind": "stamp",
        "stamps": "2",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def make_batch(shop: Shop, *, count: int = 3, name: str = "Bolt — January") -> InsertBatch:
    actor = shop.staff[Role.MANAGER].actor(Channel.PANEL)
    benefit = benefit_clean(merchant=shop.merchant, kind="stamp")
    return services.insert_batch_create(actor=actor, name=name, count=count, benefit=benefit, aggregator="bolt_food")


def inserts_of(batch: InsertBatch) -> list[Insert]:
    return list(Insert.objects.filter(batch=batch).order_by("serial"))


def errors_of(html: str) -> list[str]:
    return re.findall(r'<ul class="errors"[^>]*><li>([^<]+)</li>', html)


def test_the_form_has_a_visible_label_for_every_field_and_only_this_merchants_programs(
    shop, other_shop, manager_client
):
    second = ProgramFactory(merchant=shop.merchant, name="Pastry card", is_default=False)

    html = manager_client.get(NEW).content.decode()

    for name in ("name", "aggregator", "aggregator_name", "program", "location", "count", "stamps", "title", "days"):
        assert re.search(rf'<label for="id_{name}">[^<]+', html), name
    for legend in ("A scan gives", "Valid"):  # the radio groups are labelled too
        assert (
            f'<span class="label" id="id_{"benefit_kind" if legend == "A scan gives" else "validity"}_label">{legend}'
            in html
        )
    assert f'value="{shop.program.pk}"' in html and f'value="{second.pk}"' in html
    assert f'value="{other_shop.program.pk}"' not in html and f'value="{other_shop.location.pk}"' not in html
    assert 'type="radio" name="benefit_kind" value="voucher"' in html


def test_the_form_makes_a_batch_of_stamps_and_opens_it(shop, manager_client):
    response = manager_client.post(NEW, form_data(shop))

    batch = InsertBatch.objects.get(merchant=shop.merchant)
    assert response.status_code == 302 and response["Location"] == f"{LIST}{batch.pk}/"
    assert (batch.name, batch.aggregator, batch.count, batch.benefit_kind, batch.stamps) == (
        "Glovo — December",
        "glovo",
        14,
        "stamp",
        2,
    )
    assert batch.program == shop.program and batch.location == shop.location
    assert batch.created_by == shop.staff[Role.MANAGER].membership.user
    assert Insert.objects.filter(batch=batch).count() == 14
    page = manager_client.get(response["Location"]).content.decode()
    assert "14 inserts are ready to print." in page and "Scan for 2 free stamps" in page


def test_the_form_makes_a_voucher_batch_with_its_validity_and_a_gift_batch(shop, manager_client):
    voucher = form_data(shop, benefit_kind="voucher", title="Free cappuccino", description="Any size", stamps="")
    voucher.update(validity="days", days="30")
    assert manager_client.post(NEW, voucher).status_code == 302
    gift = form_data(shop, name="Own couriers", benefit_kind="gift", title="A croissant", aggregator="own_delivery")
    assert manager_client.post(NEW, gift).status_code == 302

    made = {batch.benefit_kind: batch for batch in InsertBatch.objects.filter(merchant=shop.merchant)}
    assert made["voucher"].benefit_title == "Free cappuccino" and made["voucher"].voucher_validity == {"days": 30}
    assert made["voucher"].benefit_description == "Any size"
    assert made["gift"].benefit_title == "A croissant" and made["gift"].voucher_validity is None
    assert (
        "Valid for 30 days after you collect it." in manager_client.get(f"{LIST}{made['voucher'].pk}/").content.decode()
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"count": "0"}, "count", "A batch holds 1 to 5000 inserts."),
        ({"count": "5001"}, "count", "A batch holds 1 to 5000 inserts."),
        ({"count": "many"}, "count", "Type a whole number of inserts, such as 24."),
        ({"count": ""}, "count", "Say how many inserts to print."),
        ({"stamps": "11"}, "stamps", "An insert gives 1 to 10 stamps."),
        ({"benefit_kind": "voucher", "title": ""}, "title", "Say what a scan gives, e.g. “Free cappuccino”."),
        ({"benefit_kind": "voucher", "title": "Coffee", "validity": "days", "days": ""}, "days", None),
        ({"name": ""}, "name", None),
    ],
)
def test_a_form_with_a_mistake_says_what_to_fix_and_makes_nothing(shop, manager_client, changes, field, message):
    response = manager_client.post(NEW, form_data(shop, **changes))

    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(rf'id="id_{field}_errors"', html), html
    if message is not None:
        assert message in errors_of(html)
    assert not InsertBatch.objects.exists()


def test_a_stamp_batch_ignores_the_voucher_fields_it_does_not_use(shop, manager_client):
    response = manager_client.post(NEW, form_data(shop, validity="until", until="2001-01-01", title="x" * 500))

    assert response.status_code == 302
    assert InsertBatch.objects.get().benefit_title == ""


def test_a_voucher_valid_until_a_past_day_is_refused(shop, manager_client):
    yesterday = (clock.now().astimezone(shop.merchant.tz).date() - timedelta(days=1)).isoformat()
    data = form_data(shop, benefit_kind="voucher", title="Coffee", validity="until", until=yesterday)

    response = manager_client.post(NEW, data)

    assert response.status_code == 422 and "This day is in the past: pick today or a later day." in errors_of(
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("refusal", "field", "message"),
    [
        (
            InsertBatchInvalid("An insert gives 1 to 10 stamps.", field="benefit.stamps"),
            "stamps",
            "An insert gives 1 to 10 stamps.",
        ),
        (
            LocationInactive(location_id="x"),
            "location",
            "This location is switched off: pick an active one.",
        ),
    ],
)
def test_the_services_refusals_show_under_the_field_they_concern(
    shop, manager_client, monkeypatch, refusal, field, message
):
    # What the service re-checks after the form (a location switched off meanwhile, its own rules on the benefit).
    def refuse(**kwargs):
        raise refusal

    monkeypatch.setattr(services, "insert_batch_create", refuse)

    response = manager_client.post(NEW, form_data(shop))

    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(rf'<ul class="errors" id="id_{field}_errors"><li>{re.escape(message)}</li>', html)


def test_an_inactive_location_or_another_merchants_program_cannot_be_picked(shop, other_shop, manager_client):
    closed = LocationFactory(merchant=shop.merchant, name="Closed kitchen", is_active=False)

    for changes in ({"location": str(closed.pk)}, {"program": str(other_shop.program.pk)}):
        response = manager_client.post(NEW, form_data(shop, **changes))
        assert response.status_code == 422
    assert not InsertBatch.objects.exists()


def test_the_pdf_is_an_a4_document_with_every_inserts_qr_url(shop, manager_client):
    manager_client.post(NEW, form_data(shop, count="14"))
    batch = InsertBatch.objects.get()

    response = manager_client.get(f"{LIST}{batch.pk}/inserts.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="inserts-{batch.pk}.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == math.ceil(14 / pdf.PER_PAGE) == 2
    text = " ".join(page.extract_text() for page in reader.pages)
    urls = re.findall(r"/i/([0-9a-z]{16})", text)
    assert sorted(urls) == sorted(insert.token for insert in inserts_of(batch))
    assert len(set(urls)) == 14


def test_the_list_shows_each_batch_with_its_claims_and_pdf(shop, other_shop, manager_client):
    december, january = make_batch(shop, name="Glovo — December"), make_batch(shop, count=5, name="Bolt — January")
    theirs = make_batch(other_shop, name="Their batch")
    services.insert_claim(token=inserts_of(january)[0].token, card=shop.card)

    html = manager_client.get(LIST).content.decode()

    rows = dict(re.findall(r'<tr data-batch="([^"]+)">(.*?)</tr>', html, flags=re.S))
    assert set(rows) == {str(december.pk), str(january.pk)} and str(theirs.pk) not in html
    assert "1 of 5" in rows[str(january.pk)] and "0 of 3" in rows[str(december.pk)]
    assert f"{LIST}{january.pk}/inserts.pdf" in rows[str(january.pk)]
    assert "Bolt Food" in rows[str(january.pk)] and "A free stamp" in rows[str(january.pk)]


def test_the_list_takes_the_same_queries_for_one_batch_or_many(shop, manager_client):
    make_batch(shop)
    manager_client.get(LIST)  # the session's first request does its own one-off reads
    with CaptureQueriesContext(connection) as one:
        manager_client.get(LIST)
    for n in range(3):
        services.insert_claim(
            token=inserts_of(make_batch(shop, name=f"Batch {n}"))[0].token, card=CardFactory(program=shop.program)
        )
    with CaptureQueriesContext(connection) as four:
        manager_client.get(LIST)

    assert len(four) == len(one)


def test_a_batch_page_shows_who_claimed_which_insert_and_what_they_got(shop, manager_client):
    batch = make_batch(shop, count=4)
    olena = CardFactory(program=shop.program, customer=CustomerFactory(merchant=shop.merchant, name="Olena Kovalenko"))
    services.insert_claim(token=inserts_of(batch)[2].token, card=olena, new_customer=True)

    html = manager_client.get(f"{LIST}{batch.pk}/").content.decode()

    claims = re.search(r'data-testid="insert-claims">(.*?)</table>', html, flags=re.S).group(1)
    assert "Olena Kovalenko" in claims and olena.number in claims and inserts_of(batch)[2].label in claims
    assert "1 stamp" in claims and "New" in claims
    assert re.search(r'data-testid="claimed">1<', html)
    assert "3 inserts not claimed yet" in html


def test_the_printouts_page_leads_to_the_inserts(manager_client):
    html = manager_client.get("/panel/printouts/").content.decode()
    assert f'href="{NEW}"' in html and f'href="{LIST}"' in html


def test_cashiers_cannot_list_make_read_or_print_batches(shop):
    batch = make_batch(shop)
    cashier = signed_in(shop, Role.CASHIER)

    for url in (LIST, NEW, f"{LIST}{batch.pk}/", f"{LIST}{batch.pk}/inserts.pdf"):
        assert cashier.get(url).status_code == 403, url
    assert cashier.post(NEW, form_data(shop)).status_code == 403
    assert InsertBatch.objects.count() == 1


def test_another_merchants_batch_is_not_found(manager_client, other_shop):
    theirs = make_batch(other_shop)

    assert manager_client.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert manager_client.get(f"{LIST}{theirs.pk}/inserts.pdf").status_code == 404
