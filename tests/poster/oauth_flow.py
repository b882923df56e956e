"""The browser's part of Poster's OAuth round trip against the stand-in: start at the panel, allow at Poster, come
back to stampcard's callback. Shared by the OAuth tests and the panel's integrations tests."""

from urllib.parse import parse_qs, urlsplit

import httpx
from django.test import Client
from django.urls import reverse

from tests.poster.conftest import ACCOUNT, REDIRECT_URI


def start_connect(client: Client) -> str:
    """Press *Connect Poster* on the integrations page; returns Poster's authorize URL."""
    response = client.post(reverse("panel:integration-poster-connect"))
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
    """Follow Poster's redirect to our callback (the redirect URI registered at Poster)."""
    url = urlsplit(location)
    assert f"{url.scheme}://{url.netloc}{url.path}" == REDIRECT_URI
    return client.get(f"{url.path}?{url.query}")
