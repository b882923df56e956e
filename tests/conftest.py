"""Shared fixtures: a merchant with staff at each role, their API keys, and a program with a card."""

import warnings
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client

from stampcard.cards.models import Card, Program
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import ApiKey, Location, Membership, Merchant, Role
from tests.factories import CardFactory, LocationFactory, MembershipFactory, MerchantFactory, ProgramFactory


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    # Tests marked `postgres` need real row locks; they must never pass vacuously on SQLite.
    if connection.vendor != "postgresql":
        for item in items:
            if item.get_closest_marker("postgres"):
                item.add_marker(pytest.mark.skip(reason="needs PostgreSQL; `make test` runs it on PostgreSQL"))


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Production hashes with Argon2 (about a quarter of a second and 100 MB per password on these machines, by design);
    # thousands of staff logins made by factories would spend minutes of the suite on it. Tests hash with a fast
    # hasher; Argon2 stays listed so its hashes still verify, and tests/merchants/test_staff_users.py pins Argon2
    # as what production stores.
    from django.conf import settings
    from django.contrib.auth import hashers

    production = settings.PASSWORD_HASHERS
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *production]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()
    yield
    settings.PASSWORD_HASHERS = production
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


@pytest.fixture
def production_password_hashing(settings):
    """The hashers production uses (Argon2 first), for tests about how passwords are stored."""
    settings.PASSWORD_HASHERS = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]


@pytest.fixture(autouse=True, scope="session")
def _no_session_outlives_the_test_database(django_db_setup, django_db_blocker):
    # Runs its teardown before the test database is dropped. A thread of a stand-in server or a child process that
    # still holds a connection would make PostgreSQL's DROP DATABASE wait and then fail; end those sessions first,
    # and say which they were, so the test that leaked them can be found.
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT application_name, state, left(query, 80), pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        leftovers = cursor.fetchall()
    if leftovers:
        warnings.warn(f"ended {len(leftovers)} session(s) still open on the test database: {leftovers}", stacklevel=1)


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings):
    # The hashed manifest exists only after collectstatic (which `make run` does); tests render admin and docs pages
    # from a fresh clone, where there is no manifest yet.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _clock_left_unpinned():
    # A test that leaves ``clock.frozen_at`` pinned would skew every later one that compares with real time (a
    # browser's signature, a JWT's iat): it fails itself instead, and the clock is unpinned for the next.
    from stampcard.core import clock

    yield
    left = clock._frozen
    if left is not None:
        clock._pins.clear()
        clock._frozen = None
        pytest.fail(f"the test left the clock pinned at {left.isoformat()}")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Limits on customer pages count in the cache (local memory in tests): one test's page views must not be
    # counted against the next one's, under a clock frozen at the same instant.
    from django.core.cache import cache

    from stampcard.merchants import keycache

    cache.clear()
    keycache.api_keys_clear()  # keys verified in one test are not remembered into the next
    yield


@dataclass
class Staff:
    """One staff member with an API key: what a POS or scanner authenticates as."""

    membership: Membership
    api_key: ApiKey
    raw_key: str
    location: Location | None

    @property
    def merchant(self) -> Merchant:
        return self.membership.merchant

    def actor(self, channel: Channel = Channel.API) -> Actor:
        return Actor(
            merchant=self.merchant,
            channel=channel,
            user=self.membership.user,
            membership=self.membership,
            api_key=self.api_key,
            location=self.location,
        )

    def client(self) -> Client:
        return Client(headers={"Authorization": f"Bearer {self.raw_key}"})


def make_staff(merchant: Merchant, role: Role, location: Location | None = None) -> Staff:
    membership = MembershipFactory(merchant=merchant, role=role)
    key, raw = merchants_services.api_key_create(membership=membership, name=f"{role} key", location=location)
    return Staff(membership=membership, api_key=key, raw_key=raw, location=location)


@pytest.fixture
def merchant(db) -> Merchant:
    return MerchantFactory()


@pytest.fixture
def location(merchant) -> Location:
    return LocationFactory(merchant=merchant)


@pytest.fixture
def program(merchant) -> Program:
    return ProgramFactory(merchant=merchant)


@pytest.fixture
def card(program) -> Card:
    return CardFactory(program=program)


@pytest.fixture
def cashier(merchant, location) -> Staff:
    return make_staff(merchant, Role.CASHIER, location)


@pytest.fixture
def manager(merchant, location) -> Staff:
    return make_staff(merchant, Role.MANAGER, location)


@pytest.fixture
def owner(merchant) -> Staff:
    return make_staff(merchant, Role.OWNER)


def reload(obj):
    obj.refresh_from_db()
    return obj
