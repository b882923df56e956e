"""Connecting through Poster's OAuth, against the stand-in over real loopback HTTP."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client

from stampcard.poster import crypto
from stampcard.poster.models import AccountStatus, PosterAccount, PosterSpot
from tests.factories import LocationFactory, MerchantFactory
from tests.poster.conftest import ACCOUNT, APPLICATION_ID, REDIRECT_URI

pytestmark = pytest.mark.django_db


def signed_in(staff) -> Client:
    client = Client()
    client.force_login(staff.membership.user)
    return client


def start_connect(client: Client) -> str:
    response = client.get("/integrations/poster/connect")
    assert response.status_code == 302
    return response["Location"]


def approve_at_poster(authorize_url: str, account: str = ACCOUNT) -> str:
    """What the manager's browser does at Poster: open the authorize page, allow, follow back to us."""
    page = httpx.get(authorize_url)
    assert page.status_code == 200 and "Allow for" in page.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    approve_url = f"{authorize_url.split('/api/auth')[0]}/api/auth/approve"
    fields = {k: query[k] for k in ("application_id", "redirect_uri", "state") if k in query}
    answer = httpx.post(approve_url, data={**fields, "account": account}, follow_redirects=False)
    assert answer.status_code == 302
    return answer.headers["Location"]


def back_at_stampcard(client: Client, location: str):
    url = urlsplit(location)
    assert f"{url.scheme}://{url.netloc}{url.path}" == REDIRECT_URI
    return client.get(f"{url.path}?{url.query}")


def test_connect_sends_the_manager_to_posters_authorize_url(poster, manager):
    url = urlsplit(start_connect(signed_in(manager)))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{poster.base_url}/api/auth"
    query = parse_qs(url.query)
    assert query["application_id"] == [APPLICATION_ID]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["response_type"] == ["code"]
    assert len(query["state"][0]) > 20


def test_a_cashier_cannot_connect(poster, cashier):
    response = signed_in(cashier).get("/integrations/poster/connect")
    assert response.status_code == 403


def test_connect_needs_a_signed_in_staff_member(poster, client):
    response = client.get("/integrations/poster/connect")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_code_is_exchanged_and_the_token_stored_encrypted(poster, merchant, manager, location):
    client = signed_in(manager)
    callback = approve_at_poster(start_connect(client))
    assert set(parse_qs(urlsplit(callback).query)) == {"code", "account"}  # Poster documents no state in the return
    response = back_at_stampcard(client, callback)
    assert response.status_code == 302 and "connected=1" in response["Location"]
    account = PosterAccount.objects.get(account=ACCOUNT)
    assert account.merchant == merchant and account.status == AccountStatus.CONNECTED
    assert account.connected_by == manager.membership.user and account.connected_at is not None
    assert account.account_number == "555111" and account.company_name == "Kava Test" and account.currency == "UAH"
    token = crypto.token_decrypt(account.access_token_encrypted)
    assert poster.state.tokens[token] == ACCOUNT  # the very token Poster issued
    assert token not in account.access_token_encrypted
    spots = {s.spot_id: s for s in PosterSpot.objects.filter(poster_account=account)}
    assert {k: s.name for k, s in spots.items()} == {"1": "Khreshchatyk", "2": "Podil"}
    # the page shows the connection
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Kava Test" in page.content.decode()


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


def test_disconnect_forgets_the_token(poster, merchant, manager):
    client = signed_in(manager)
    back_at_stampcard(client, approve_at_poster(start_connect(client)))
    account = PosterAccount.objects.get()
    response = client.post("/integrations/poster/disconnect", {"poster_account": account.pk})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED and account.access_token_encrypted == ""


def test_a_manager_maps_a_spot_to_a_location(poster, merchant, manager, location):
    client = signed_in(manager)
    back_at_stampcard(client, approve_at_poster(start_connect(client)))
    spot = PosterSpot.objects.get(spot_id="2")
    response = client.post("/integrations/poster/spots", {"spot": spot.pk, "location": str(location.pk)})
    assert response.status_code == 302
    spot.refresh_from_db()
    assert spot.location == location


def test_a_spot_cannot_be_mapped_to_another_merchants_location(poster, merchant, manager):
    client = signed_in(manager)
    back_at_stampcard(client, approve_at_poster(start_connect(client)))
    spot = PosterSpot.objects.get(spot_id="2")
    foreign = LocationFactory()
    response = client.post("/integrations/poster/spots", {"spot": spot.pk, "location": str(foreign.pk)})
    assert response.status_code == 404
    spot.refresh_from_db()
    assert spot.location is None
