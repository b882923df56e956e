"""Connecting through Poster's OAuth, against the stand-in over real loopback HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from stampcard.poster import crypto
from stampcard.poster.models import AccountStatus, PosterAccount, PosterSpot
from tests.factories import LocationFactory, MerchantFactory
from tests.poster.conftest import ACCOUNT, APPLICATION_ID, REDIRECT_URI
from tests.poster.oauth_flow import approve_at_poster, back_at_stampcard, start_connect

pytestmark = pytest.mark.django_db


def signed_in(staff) -> Client:
    client = Client()
    client.force_login(staff.membership.user)
    return client


def test_connect_sends_the_manager_to_posters_authorize_url(poster, manager):
    url = urlsplit(start_connect(signed_in(manager)))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{poster.base_url}/api/auth"
    query = parse_qs(url.query)
    assert query["application_id"] == [APPLICATION_ID]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["response_type"] == ["code"]
    assert len(query["state"][0]) > 20


def test_a_cashier_cannot_connect(poster, cashier):
    response = signed_in(cashier).post(reverse("panel:integration-poster-connect"))
    assert response.status_code == 403


def test_connect_needs_a_signed_in_staff_member(poster, client):
    response = client.post(reverse("panel:integration-poster-connect"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_code_is_exchanged_and_the_token_stored_encrypted(poster, merchant, manager, location):
    client = signed_in(manager)
    callback = approve_at_poster(start_connect(client))
    assert set(parse_qs(urlsplit(callback).query)) == {"code", "account"}  # Poster documents no state in the return
    response = back_at_stampcard(client, callback)
    assert response.status_code == 302 and response["Location"] == reverse("panel:integrations")
    account = PosterAccount.objects.get(account=ACCOUNT)
    assert account.merchant == merchant and account.status == AccountStatus.CONNECTED
    assert account.connected_by == manager.membership.user and account.connected_at is not None
    assert account.account_number == "555111" and account.company_name == "Kava Test" and account.currency == "UAH"
    token = crypto.token_decrypt(account.access_token_encrypted)
    assert poster.state.tokens[token] == ACCOUNT  # the very token Poster issued
    assert token not in account.access_token_encrypted
    spots = {s.spot_id: s for s in PosterSpot.objects.filter(poster_account=account)}
    assert {k: s.name for k, s in spots.items()} == {"1": "Khreshchatyk", "2": "Podil"}
    # the integrations page shows the connection
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Poster is connected: Kava Test." in page.content.decode()


def test_spots_named_like_locations_are_mapped_on_connect(poster, merchant, manager, location):
    podil = LocationFactory(merchant=merchant, name="Podil")
    client = signed_in(manager)
    back_at_stampcard(client, approve_at_poster(start_connect(client)))
    spots = {s.spot_id: s.location for s in PosterSpot.objects.all()}
    assert spots == {"1": None, "2": podil}


def test_a_returned_state_must_match(poster, manager):
    poster.echo_state = True
    client = signed_in(manager)
    callback = approve_at_poster(start_connect(client))
    assert "state" in parse_qs(urlsplit(callback).query)
    forged = callback.replace("state=", "state=x")
    response = back_at_stampcard(client, forged)
    assert response.status_code == 400
    assert not PosterAccount.objects.exists()


def test_an_echoed_state_that_matches_connects(poster, manager):
    poster.echo_state = True
    client = signed_in(manager)
    assert back_at_stampcard(client, approve_at_poster(start_connect(client))).status_code == 302
    assert PosterAccount.objects.get().status == AccountStatus.CONNECTED


def test_a_callback_this_session_did_not_start_is_refused(poster, manager, owner):
    # A forged link: someone else's code, opened by a manager who never clicked "connect".
    attacker = signed_in(owner)
    callback = approve_at_poster(start_connect(attacker))
    response = back_at_stampcard(signed_in(manager), callback)
    assert response.status_code == 400 and b"poster_connect_invalid" in response.content
    assert not PosterAccount.objects.exists()


def test_a_code_is_good_once(poster, manager):
    client = signed_in(manager)
    callback = approve_at_poster(start_connect(client))
    assert back_at_stampcard(client, callback).status_code == 302
    start_connect(client)  # a fresh pending connect, the same (spent) code
    response = back_at_stampcard(client, callback)
    assert response.status_code == 502


def test_an_account_connected_to_another_business_is_not_taken_over(poster, manager):
    other = MerchantFactory()
    PosterAccount.objects.create(merchant=other, account=ACCOUNT, status=AccountStatus.CONNECTED)
    client = signed_in(manager)
    response = back_at_stampcard(client, approve_at_poster(start_connect(client)))
    assert response.status_code == 409 and b"poster_account_taken" in response.content
    assert PosterAccount.objects.get().merchant == other


def test_an_account_installed_from_the_marketplace_is_claimed(poster, merchant, manager):
    PosterAccount.objects.create(account=ACCOUNT, status=AccountStatus.UNCLAIMED)
    client = signed_in(manager)
    back_at_stampcard(client, approve_at_poster(start_connect(client)))
    account = PosterAccount.objects.get()
    assert account.merchant == merchant and account.status == AccountStatus.CONNECTED


def test_an_account_name_that_is_not_a_poster_login_is_refused_before_any_call(poster, manager):
    client = signed_in(manager)
    start_connect(client)
    response = client.get("/integrations/poster/callback?code=abc&account=evil.example.com%2F")
    assert response.status_code == 422
    assert not poster.calls() and not PosterAccount.objects.exists()
