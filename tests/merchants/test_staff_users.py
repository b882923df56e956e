"""Staff logins: email is the username, passwords are hashed with Argon2."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError

from stampcard.merchants import services
from stampcard.merchants.models import StaffUser

pytestmark = pytest.mark.django_db


def test_the_user_model_is_the_staff_user_and_its_login_is_the_email():
    assert get_user_model() is StaffUser
    assert StaffUser.USERNAME_FIELD == "email"


def test_a_staff_login_stores_an_argon2_hash_and_never_the_password(production_password_hashing):
    user = services.staff_user_create(email="olena@example.com", password="correct horse battery")

    stored = StaffUser.objects.get(pk=user.pk).password
    assert stored.startswith("argon2")
    assert "correct horse battery" not in stored
    assert user.check_password("correct horse battery")
    assert not user.check_password("Correct horse battery")


def test_a_staff_member_logs_in_with_email_and_password():
    user = services.staff_user_create(email="olena@example.com", password="correct horse battery")

    assert authenticate(email="olena@example.com", password="correct horse battery") == user
    assert authenticate(email="olena@example.com", password="wrong") is None
    assert authenticate(email="nobody@example.com", password="correct horse battery") is None


def test_the_email_is_stored_lower_cased_so_it_is_one_login_in_any_case():
    user = services.staff_user_create(email="Olena.K@Example.COM", password="correct horse battery")

    assert user.email == "olena.k@example.com"
    with pytest.raises(IntegrityError):
        services.staff_user_create(email="OLENA.K@example.com", password="another password 1")


def test_a_login_typed_with_capitals_finds_the_lower_cased_user():
    user = services.staff_user_create(email="olena@example.com", password="correct horse battery")

    assert authenticate(email="Olena@Example.com", password="correct horse battery") == user


def test_a_deactivated_staff_login_cannot_log_in():
    user = services.staff_user_create(email="olena@example.com", password="correct horse battery")
    StaffUser.objects.filter(pk=user.pk).update(is_active=False)

    assert authenticate(email="olena@example.com", password="correct horse battery") is None


def test_a_staff_login_without_a_password_cannot_log_in_with_any():
    user = services.staff_user_create(email="invited@example.com", password=None)

    assert not user.has_usable_password()
    assert authenticate(email="invited@example.com", password="") is None


def test_a_staff_login_needs_an_email():
    with pytest.raises(ValueError):
        services.staff_user_create(email="", password="correct horse battery")
