"""A customer keeps their own language: the one given when they were made, else their merchant's."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stampcard.core.errors import ValidationFailed
from stampcard.customers import privacy, services
from stampcard.customers.languages import customer_language, language_normalize
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Actor
from tests.factories import CustomerFactory, MerchantFactory

BEFORE = ("customers", "0005_name_and_phone_trigram_indexes")


@pytest.mark.parametrize(
    ("given", "supported"), [("uk", "uk"), ("uk-UA", "uk"), ("EN_gb", "en"), ("de", ""), ("", ""), (None, "")]
)
def test_a_language_is_one_of_the_sites_or_none(given, supported):
    assert language_normalize(given) == supported


@pytest.mark.django_db
@pytest.mark.parametrize(("given", "kept"), [("en", "en"), ("uk-UA", "uk"), ("", "uk")])
def test_a_new_customer_reads_the_language_given_else_their_merchants(given, kept):
    merchant = MerchantFactory(locale="uk")

    customer = services.customer_create(merchant=merchant, name="Olena", language=given)

    customer.refresh_from_db()
    assert customer.language == kept
    assert customer_language(customer) == kept


@pytest.mark.django_db
def test_a_new_customer_in_an_unsupported_language_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        services.customer_create(merchant=MerchantFactory(), name="Olena", language="de")

    assert refused.value.code == "unsupported_language" and not Customer.objects.exists()


@pytest.mark.django_db
def test_a_row_without_a_supported_language_is_written_to_in_the_merchants():
    customer = CustomerFactory(merchant=MerchantFactory(locale="uk-UA"), language="")

    assert customer_language(customer) == "uk"


@pytest.mark.django_db
def test_a_customer_changes_their_language_only_to_a_supported_one():
    customer = CustomerFactory(language="en")

    services.customer_language_set(customer=customer, language="uk")
    with pytest.raises(ValidationFailed) as refused:
        services.customer_language_set(customer=customer, language="de")

    assert refused.value.code == "unsupported_language"
    assert Customer.objects.get(pk=customer.pk).language == "uk"


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_customers_their_merchants_language():
    ukrainian, english, odd = MerchantFactory(locale="uk"), MerchantFactory(locale="en"), MerchantFactory(locale="pl")
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    OldCustomer = executor.loader.project_state(BEFORE).apps.get_model("customers", "Customer")
    for merchant in (ukrainian, english, odd):
        OldCustomer.objects.create(merchant_id=merchant.pk, name=f"of {merchant.locale}", name_folded="x")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: others may depend on the one rolled back

    languages = dict(Customer.objects.values_list("merchant__locale", "language"))
    assert languages == {"uk": "uk", "en": "en", "pl": "en"}


@pytest.mark.django_db
def test_the_customers_own_data_export_says_their_language():
    customer = CustomerFactory(language="uk")

    exported = privacy.customer_data_export(actor=Actor.system(customer.merchant), customer=customer, by_customer=True)

    assert exported["profile"]["language"] == "uk"
