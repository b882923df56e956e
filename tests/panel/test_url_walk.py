"""Every panel URL, walked with every role and with another merchant's objects.

Each view is guarded by ``panel_view`` (a minimum role) or marked ``panel_public``. Below the minimum a role gets
403; at or above it, an answer that is neither an error nor a refusal; anonymous visitors are sent to sign-in; and a
URL naming another merchant's object answers 404 even to that view's strongest role.
"""

import importlib
import pkgutil
import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import tests.panel
from stampcard.merchants.models import ROLE_RANK, Role
from tests.panel.conftest import signed_in
from tests.panel.objects import OBJECT_MAKERS, Shop


def _load_makers() -> None:
    for module in pkgutil.walk_packages(tests.panel.__path__, prefix="tests.panel."):
        if module.name.endswith(".makers"):
            importlib.import_module(module.name)


@dataclass(frozen=True)
class PanelUrl:
    name: str
    route: str
    view: object

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.route)

    def path(self, shop: Shop) -> str:
        path = "/" + self.route
        for parameter in self.parameters:
            value = _made(shop, parameter)
            path = re.sub(rf"<(?:\w+:)?{parameter}>", str(value), path)
        return path

    @property
    def minimum(self) -> Role | None:
        return getattr(self.view, "panel_minimum_role", None)

    @property
    def method(self) -> str:
        methods = getattr(self.view, "panel_methods", frozenset({"GET"}))
        return "get" if "GET" in methods else "post"


def _made(shop: Shop, parameter: str) -> object:
    if parameter not in shop.made:
        shop.made[parameter] = OBJECT_MAKERS[parameter](shop)
    return shop.made[parameter]


def _walk(patterns: list, prefix: str = "", namespace: str | None = None) -> list[PanelUrl]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            found += _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and namespace == "panel":
            found.append(PanelUrl(name=f"panel:{entry.name}", route=prefix + str(entry.pattern), view=entry.callback))
    return found


def panel_urls() -> list[PanelUrl]:
    return _walk(get_resolver().url_patterns)


_load_makers()
PANEL_URLS = panel_urls()
GUARDED = [url for url in PANEL_URLS if url.minimum is not None]
ROLES = [Role.CASHIER, Role.MANAGER, Role.OWNER]


def test_the_walk_finds_the_panel():
    names = {url.name for url in PANEL_URLS}
    assert {"panel:dashboard", "panel:login", "panel:choose"} <= names


@pytest.mark.parametrize("url", PANEL_URLS, ids=lambda url: url.name)
def test_every_panel_view_is_guarded_or_marked_public(url):
    assert url.minimum is not None or getattr(url.view, "panel_public", False), (
        f"{url.name} ({url.route}) has neither @panel_view nor @panel_public"
    )


@pytest.mark.parametrize("url", PANEL_URLS, ids=lambda url: url.name)
def test_every_url_parameter_has_a_maker(url):
    assert set(url.parameters) <= set(OBJECT_MAKERS), f"no maker for {set(url.parameters) - set(OBJECT_MAKERS)}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", GUARDED, ids=lambda url: url.name)
def test_anonymous_visitors_are_sent_to_sign_in(url, shop, client):
    response = getattr(client, url.method)(url.path(shop))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", GUARDED, ids=lambda url: url.name)
def test_each_role_gets_in_at_its_minimum_and_is_refused_below(url, role, shop):
    response = getattr(signed_in(shop, role), url.method)(url.path(shop))
    if ROLE_RANK[role] < ROLE_RANK[url.minimum]:
        assert response.status_code == 403
    else:
        assert response.status_code < 400 or response.status_code in {400, 405}, response.status_code
        assert response.status_code not in {403, 404}


@pytest.mark.django_db
@pytest.mark.parametrize("url", [url for url in GUARDED if url.parameters], ids=lambda url: url.name)
def test_another_merchants_objects_answer_404(url, shop, other_shop):
    response = getattr(signed_in(shop, Role.OWNER), url.method)(url.path(other_shop))
    assert response.status_code == 404
