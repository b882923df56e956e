"""The integrations page: Poster connected through the stand-in's OAuth, its state, spots mapped to locations, the
spots refreshed from Poster, disconnect, role and tenant rules, and the old connection page's address."""

import hashlib

import pytest
from django.urls import reverse

from stampcard.core import clock
from stampcard.merchants.models import Role
from stampcard.panel import setup
from stampcard.panel.models import SetupStep
from stampcard.poster import crypto
from stampcard.poster.models import AccountStatus, DeliveryOutcome, PosterAccount, PosterSpot, PosterWebhookDelivery
from tests.factories import LocationFactory, ProgramFactory
from tests.panel.conftest import signed_in
from tests.poster.conftest import ACCOUNT, poster, poster_standin  # noqa: F401  (the stand-in fixtures)
from tests.poster.oauth_flow import approve_at_poster, back_at_stampcard, start_connect

pytestmark = pytest.mark.django_db

PAGE = "/panel/integrations/"


def connect(shop, *, account: str = ACCOUNT, token: str = "555111:" + "0" * 32) -> PosterAccount:
    """The shop connected to a Poster account with two spots, neither mapped yet."""
    row = PosterAccount.objects.create(
        merchant=shop.merchant,
        account=account,
        company_name="Kava Test",
        access_token_encrypted=crypto.token_encrypt(token),
        status=AccountStatus.CONNECTED,
        connected_at=clock.now(),
    )
    for spot_id, name in (("1", "Khreshchatyk"), ("2", "Podil")):
        PosterSpot.objects.create(merchant=shop.merchant, poster_account=row, spot_id=spot_id, name=name)
    return row


def delivery(account: PosterAccount, outcome: DeliveryOutcome, object_id: str) -> PosterWebhookDelivery:
    return PosterWebhookDelivery.objects.create(
        poster_account=account,
        account=account.account,
        object="transaction",
        object_id=object_id,
        action="changed",
        time="1700000000",
        raw_body="{}",
        dedupe_key=hashlib.sha256(f"{account.pk}:{object_id}".encode()).hexdigest(),
        received_at=clock.now(),
        outcome=outcome,
    )


def spot(shop, spot_id: str) -> PosterSpot:
    return PosterSpot.objects.get(merchant=shop.merchant, spot_id=spot_id)


# --- connecting -------------------------------------------------------------------------------------------------


def test_the_page_offers_to_connect_poster_when_nothing_is_connected(manager_client):
    page = manager_client.get(reverse("panel:integrations"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-connected="false"' in html and 'data-testid="poster-connect"' in html
    assert reverse("panel:integration-poster-connect") in html


def test_connecting_through_the_stand_in_lands_connected_on_the_page(poster, shop, manager_client):  # noqa: F811
    callback = approve_at_poster(start_connect(manager_client))
    response = back_at_stampcard(manager_client, callback)
    assert response.status_code == 302 and response["Location"] == PAGE
    account = PosterAccount.objects.get(account=ACCOUNT)
    assert account.merchant == shop.merchant and account.status == AccountStatus.CONNECTED
    assert account.connected_by == shop.staff[Role.MANAGER].membership.user
    page = manager_client.get(PAGE)
    html = page.content.decode()
    assert "Poster is connected: Kava Test." in html  # the success message, shown once
    assert 'data-connected="true"' in html and f'data-poster-account="{ACCOUNT}"' in html
    assert 'data-spot="1"' in html and 'data-spot="2"' in html
    assert "Poster is connected" not in manager_client.get(PAGE).content.decode()


def test_a_refused_callback_shows_on_the_page_with_its_code(poster, shop, manager_client):  # noqa: F811
    # Nobody pressed Connect in this session: the callback is refused, on the integrations page.
    response = manager_client.get("/integrations/poster/callback?code=abc&account=kava-test")
    assert response.status_code == 400
    assert 'data-code="poster_connect_invalid"' in response.content.decode()
    assert not PosterAccount.objects.exists()


def test_a_callback_after_switching_business_is_refused(poster, shop, other_shop, manager_client):  # noqa: F811
    callback = approve_at_poster(start_connect(manager_client))
    # Meanwhile, in another tab, the same login starts working for another business.
    other_membership = other_shop.staff[Role.MANAGER].membership
    other_membership.user = shop.staff[Role.MANAGER].membership.user
    other_membership.save()
    session = manager_client.session
    session["panel_merchant_id"] = str(other_shop.merchant.pk)
    session.save()
    response = back_at_stampcard(manager_client, callback)
    assert response.status_code == 400
    assert not PosterAccount.objects.exists()


# --- the state ----------------------------------------------------------------------------------------------------


def test_the_page_shows_the_account_since_when_the_last_webhook_and_the_last_error(shop, manager_client):
    account = connect(shop)
    delivery(account, DeliveryOutcome.TOKEN_REJECTED, "41")
    delivery(account, DeliveryOutcome.STAMPED, "42")
    html = manager_client.get(PAGE).content.decode()
    assert "Kava Test" in html and f"{ACCOUNT}.joinposter.com" in html and "Connected since" in html
    last_webhook = html.split('data-testid="last-webhook">')[1].split("</dd>")[0]
    assert "Check committed" in last_webhook
    last_error = html.split('data-testid="last-error">')[1].split("</dd>")[0]
    assert "Poster refused our token" in last_error and "41" in last_error


def test_a_rejected_token_asks_for_a_new_connect(shop, manager_client):
    account = connect(shop)
    PosterAccount.objects.filter(pk=account.pk).update(status=AccountStatus.TOKEN_REJECTED)
    html = manager_client.get(PAGE).content.decode()
    assert 'data-connected="false"' in html and "Connect Poster again" in html


def test_the_app_settings_block_shows_the_program_the_app_serves(shop, manager_client):
    html = manager_client.get(PAGE).content.decode()
    block = html.split('data-testid="poster-app-settings"')[1].split("</section>")[0]
    assert shop.program.name in block and shop.program.get_stamping_mode_display() in block
    assert reverse("panel:program-stamping", kwargs={"program_id": shop.program.pk}) in block
    # The install steps lead to creating an API key.
    assert reverse("panel:key-new") in html.split('data-testid="poster-install"')[1]


def test_without_a_program_the_app_settings_block_sends_to_the_designer(shop, manager_client):
    shop.program.is_default = False
    shop.program.save(update_fields=["is_default"])
    ProgramFactory(merchant=shop.merchant, is_default=False)
    block = manager_client.get(PAGE).content.decode().split('data-testid="poster-app-settings"')[1]
    assert reverse("panel:programs") in block.split("</section>")[0]


# --- spots and locations ------------------------------------------------------------------------------------------


def test_unmapped_spots_are_shown_as_a_warning(shop, manager_client):
    connect(shop)
    html = manager_client.get(PAGE).content.decode()
    warning = html.split('data-testid="unmapped-spots"')[1].split("</div>")[0]
    assert "Khreshchatyk" in warning and "Podil" in warning
    # Each spot is a select of the merchant's locations, with a visible label.
    assert f'<option value="{shop.location.pk}">{shop.location.name}</option>' in html
    assert f'<label for="id_spot_{spot(shop, "1").pk}">Khreshchatyk' in html


def test_a_manager_maps_spots_to_locations(shop, manager_client):
    connect(shop)
    podil = LocationFactory(merchant=shop.merchant, name="Podil branch")
    response = manager_client.post(
        reverse("panel:integration-poster-spots"),
        {f"spot_{spot(shop, '1').pk}": str(shop.location.pk), f"spot_{spot(shop, '2').pk}": str(podil.pk)},
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    assert spot(shop, "1").location == shop.location and spot(shop, "2").location == podil
    html = manager_client.get(PAGE).content.decode()
    assert "Spots saved." in html and 'data-testid="unmapped-spots"' not in html


def test_a_spot_can_be_unmapped_and_spots_not_sent_stay_as_they_were(shop, manager_client):
    connect(shop)
    PosterSpot.objects.filter(merchant=shop.merchant).update(location=shop.location)
    response = manager_client.post(reverse("panel:integration-poster-spots"), {f"spot_{spot(shop, '2').pk}": ""})
    assert response.status_code == 302
    assert spot(shop, "1").location == shop.location and spot(shop, "2").location is None


def test_another_merchants_location_is_not_a_choice(shop, manager_client):
    connect(shop)
    foreign = LocationFactory()
    response = manager_client.post(
        reverse("panel:integration-poster-spots"), {f"spot_{spot(shop, '1').pk}": str(foreign.pk)}
    )
    assert response.status_code == 200
    assert response.context["spot_form"].errors[f"spot_{spot(shop, '1').pk}"]
    assert spot(shop, "1").location is None


def test_another_merchants_spot_answers_404(shop, other_shop, manager_client):
    connect(shop)
    connect(other_shop, account="red-mug")
    theirs = spot(other_shop, "1")
    response = manager_client.post(
        reverse("panel:integration-poster-spots"),
        {f"spot_{spot(shop, '1').pk}": str(shop.location.pk), f"spot_{theirs.pk}": str(shop.location.pk)},
    )
    assert response.status_code == 404
    assert spot(other_shop, "1").location is None and spot(shop, "1").location is None


def test_spots_are_refreshed_from_poster(poster, shop, manager_client):  # noqa: F811
    account = connect(shop, token=poster.token_issue(ACCOUNT))
    PosterSpot.objects.filter(spot_id="2").delete()
    PosterSpot.objects.filter(spot_id="1").update(name="Old name", location=shop.location)
    response = manager_client.post(reverse("panel:integration-poster-refresh", args=[account.pk]))
    assert response.status_code == 302
    assert {s.spot_id: s.name for s in PosterSpot.objects.filter(poster_account=account)} == {
        "1": "Khreshchatyk",
        "2": "Podil",
    }
    assert spot(shop, "1").location == shop.location  # a mapping survives a refresh
    assert "Spots refreshed from Poster: 2 spots." in manager_client.get(PAGE).content.decode()


def test_a_refresh_poster_refuses_marks_the_account_for_a_new_connect(poster, shop, manager_client):  # noqa: F811
    account = connect(shop, token="555111:" + "f" * 32)  # a token Poster never issued
    response = manager_client.post(reverse("panel:integration-poster-refresh", args=[account.pk]))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == AccountStatus.TOKEN_REJECTED
    assert "Connect Poster again" in manager_client.get(PAGE).content.decode()


# --- disconnect ---------------------------------------------------------------------------------------------------


def test_disconnect_forgets_the_token_and_offers_to_connect_again(shop, manager_client):
    account = connect(shop)
    html = manager_client.get(PAGE).content.decode()
    assert "data-confirm=" in html.split(reverse("panel:integration-poster-disconnect", args=[account.pk]))[1][:40]
    response = manager_client.post(reverse("panel:integration-poster-disconnect", args=[account.pk]))
    assert response.status_code == 302 and response["Location"] == PAGE
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED and account.access_token_encrypted == ""
    html = manager_client.get(PAGE).content.decode()
    assert "is disconnected" in html and 'data-testid="poster-connect"' in html


def test_another_merchants_account_cannot_be_disconnected(shop, other_shop, manager_client):
    theirs = connect(other_shop, account="red-mug")
    response = manager_client.post(reverse("panel:integration-poster-disconnect", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AccountStatus.CONNECTED


# --- who may -------------------------------------------------------------------------------------------------------


def test_a_cashier_gets_403_everywhere(shop, cashier_client):
    account = connect(shop)
    assert cashier_client.get(PAGE).status_code == 403
    assert cashier_client.post(reverse("panel:integration-poster-connect")).status_code == 403
    assert cashier_client.post(reverse("panel:integration-poster-spots"), {}).status_code == 403
    assert cashier_client.post(reverse("panel:integration-poster-disconnect", args=[account.pk])).status_code == 403
    account.refresh_from_db()
    assert account.status == AccountStatus.CONNECTED


def test_the_menu_shows_integrations_to_a_manager_not_to_a_cashier(shop, manager_client, cashier_client):
    assert f'href="{PAGE}"' in manager_client.get(reverse("panel:dashboard")).content.decode()
    assert f'href="{PAGE}"' not in cashier_client.get(reverse("panel:dashboard")).content.decode()


# --- the old address, the guided start ----------------------------------------------------------------------------


def test_the_old_connection_page_redirects_here(shop, manager_client, client):
    response = manager_client.get("/integrations/poster/")
    assert response.status_code == 302 and response["Location"] == PAGE
    # A visitor goes the same way, then to sign-in.
    assert client.get("/integrations/poster/")["Location"] == PAGE


def test_the_old_address_with_a_business_chooses_it(shop, other_shop):
    user = shop.staff[Role.OWNER].membership.user
    other_owner = other_shop.staff[Role.OWNER].membership
    other_owner.user = user
    other_owner.save()
    browser = signed_in(shop, Role.OWNER)
    response = browser.get(f"/integrations/poster/?merchant={other_shop.merchant.pk}")
    assert response["Location"] == PAGE
    assert browser.get(PAGE).context["request"].panel.merchant == other_shop.merchant


def test_the_guided_start_step_connect_the_counter_leads_here(shop):
    items = {item.step: item for item in setup.setup_checklist(merchant=shop.merchant)}
    assert items[SetupStep.CONNECT_COUNTER].url == PAGE
