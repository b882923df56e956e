"""The Redis cache forgets instead of failing while Redis does not answer: customer pages keep opening, and a
working Redis is used as Django's own backend uses it."""

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.test import Client

from stampcard.cards import links
from stampcard.core import cache as forgiving
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_take_cached

# Nothing listens on port 1: the connection is refused at once.
DOWN = "redis://127.0.0.1:1/0"
UP = "redis://127.0.0.1:6379/6"


def _redis_cache(settings, url):
    settings.CACHES = {
        "default": {
            "BACKEND": "stampcard.core.cache.ForgivingRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25},
        }
    }


@pytest.fixture
def redis_down(settings):
    _redis_cache(settings, DOWN)
    yield
    cache.paused_until = 0.0


@pytest.mark.django_db
def test_a_customer_page_opens_while_redis_is_down(redis_down, card):
    response = Client(headers={"Accept-Language": "en"}).get(links.web_card_url(card))

    assert response.status_code == 200


def test_while_redis_is_down_the_cache_answers_as_an_empty_one(redis_down):
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.get_many(["k"]) == {}
    with pytest.raises(ValueError):
        cache.incr("k")
    # a page-view limit counts from one again: it never refuses meanwhile
    for _ in range(3):
        throttle_take_cached(limit=Limit("pages", 2, 60))


def test_after_a_failure_redis_is_left_alone_for_a_while(redis_down, monkeypatch):
    asked = []
    original = RedisCache.get
    monkeypatch.setattr(RedisCache, "get", lambda self, *a, **kw: asked.append(a) or original(self, *a, **kw))

    cache.get("k")
    cache.get("k")
    cache.get("k")

    assert len(asked) == 1
    monkeypatch.setattr(forgiving.time, "monotonic", lambda: cache.paused_until + 1)
    cache.get("k")
    assert len(asked) == 2


def test_a_working_redis_keeps_and_counts(settings):
    _redis_cache(settings, UP)
    cache.clear()
    cache.set("k", {"a": 1}, 60)

    assert cache.get("k") == {"a": 1}
    throttle_take_cached(limit=Limit("pages", 2, 60))
    throttle_take_cached(limit=Limit("pages", 2, 60))
    with pytest.raises(ThrottleExceeded):
        throttle_take_cached(limit=Limit("pages", 2, 60))
    cache.clear()
