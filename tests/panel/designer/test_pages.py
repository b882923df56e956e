"""The designer's pages: each step saves through the services, validates what a merchant types, and stays within
the merchant and the role."""

import json
import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from stampcard.cards.models import Card, Program, ProgramVersion
from stampcard.cards.services import card_enrol
from stampcard.cards.transfer import program_export
from stampcard.merchants.models import Role
from stampcard.panel.models import SetupProgress, SetupStep
from tests.lottery.helpers import make_lottery, variant
from tests.panel.conftest import signed_in

pytestmark = pytest.mark.django_db


def url(program, step):
    return f"/panel/programs/{program.pk}/{step}/"


LOOK = {
    "name": "Blue card",
    "background_color": "#1f2937",
    "foreground_color": "#ffffff",
    "label_color": "#fbbf24",
    "stamp_icon": "coffee",
}


def milestones_post(*rows, total=None):
    data = {
        "milestones-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "1",
        "milestones-MAX_NUM_FORMS": "10",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"milestones-{i}-{key}"] = value
    return data


def test_the_list_shows_the_programs_with_their_open_cards_read_from_the_counts(manager_client, shop):
    actor = shop.staff[Role.MANAGER].actor()
    held = Card.objects.filter(program=shop.program).count()  # the shop's own cards, counted by their factory
    for i in range(3):
        card_enrol(actor=actor, name=f"Guest {i}")

    with CaptureQueriesContext(connection) as ctx:
        page = manager_client.get("/panel/programs/")

    assert page.status_code == 200
    row = re.search(rf'<tr data-program="{shop.program.pk}">.*?</tr>', page.content.decode(), re.S).group(0)
    assert shop.program.name in row
    assert re.search(rf'data-testid="cards-open">{held + 3}<', row)
    assert not any('"cards_card"' in q["sql"] for q in ctx.captured_queries)


def test_a_new_program_from_the_bakery_template_has_its_milestones_and_marks_the_card_designed(manager_client, shop):
    response = manager_client.post("/panel/programs/new/", {"template": "bakery", "name": "Bread club"})

    program = Program.objects.get(merchant=shop.merchant, name="Bread club")
    assert response.status_code == 302 and response["Location"] == url(program, "look")
    assert [m["at"] for m in program.milestones] == [5, 10] and program.stamp_icon == "croissant"
    assert SetupProgress.objects.filter(merchant=shop.merchant, step=SetupStep.DESIGN_CARD).exists()


def test_the_look_saves_colours_icon_and_logo(manager_client, shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    raw = BytesIO()
    Image.new("RGB", (200, 60), (10, 200, 10)).save(raw, format="PNG")
    logo = SimpleUploadedFile("logo.png", raw.getvalue(), content_type="image/png")

    response = manager_client.post(url(shop.program, "look"), {**LOOK, "logo": logo})

    shop.program.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == url(shop.program, "earning")
    assert shop.program.name == "Blue card" and shop.program.stamp_icon == "coffee" and shop.program.logo
    assert SetupProgress.objects.filter(merchant=shop.merchant, step=SetupStep.DESIGN_CARD).exists()


@pytest.mark.parametrize("colour", ["blue", "#12345", "#gg0000", ""])
def test_a_bad_colour_is_refused_next_to_its_field(manager_client, shop, colour):
    response = manager_client.post(url(shop.program, "look"), {**LOOK, "background_color": colour})

    assert response.status_code == 200
    assert response.context["form"].errors["background_color"]
    assert Program.objects.get(pk=shop.program.pk).background_color == "#1f2937"


def test_a_hard_to_read_colour_pair_shows_the_contrast_warning(manager_client, shop):
    shop.program.foreground_color = "#2a3545"
    shop.program.save()

    assert b'data-testid="contrast-warning"' in manager_client.get(url(shop.program, "look")).content


def test_earning_per_amount_needs_the_amount_and_is_stored_in_minor_units(manager_client, shop):
    refused = manager_client.post(url(shop.program, "earning"), {"earning_rule": "per_amount", "min_check_total": "0"})
    assert refused.status_code == 200 and refused.context["form"].errors["amount_per_stamp"]

    manager_client.post(
        url(shop.program, "earning"),
        {
            "earning_rule": "per_amount",
            "amount_per_stamp": "125.50",
            "min_check_total": "50",
            "max_stamps_per_check": "3",
        },
    )

    shop.program.refresh_from_db()
    assert (shop.program.amount_per_stamp, shop.program.min_check_total, shop.program.version) == (12550, 5000, 2)


def test_two_milestones_make_a_new_version_and_the_outdated_cards_can_be_moved(manager_client, shop):
    lottery = make_lottery(shop.staff[Role.MANAGER].actor(), [variant("nothing", 1_000_000)])
    card_enrol(actor=shop.staff[Role.CASHIER].actor(), name="Olena")
    before = Program.objects.get(pk=shop.program.pk).cards.count()

    response = manager_client.post(
        url(shop.program, "goals"),
        milestones_post(
            {"at": "3", "kind": "lottery", "title": "Spin", "lottery": str(lottery.pk)},
            {"at": "6", "kind": "voucher", "title": "Cake", "description": "Any cake", "validity_days": "30"},
        ),
    )

    program = Program.objects.get(pk=shop.program.pk)
    assert response.status_code == 302
    assert [m["at"] for m in program.milestones] == [3, 6] and program.goal == 6 and program.version == 2
    assert program.milestones[1]["voucher"] == {"validity": {"days": 30}}
    versions = manager_client.get(f"/panel/programs/{program.pk}/versions/")
    assert versions.context["outdated"] == before
    moved = manager_client.post(f"/panel/programs/{program.pk}/regenerate/", follow=True)
    assert f"{before} cards now follow version 2" in moved.content.decode()
    assert not program.cards.exclude(program_version__number=2).exists()
    assert ProgramVersion.objects.get(program=program, number=2).created_by == shop.staff[Role.MANAGER].membership.user


def test_milestones_out_of_order_are_refused(manager_client, shop):
    response = manager_client.post(
        url(shop.program, "goals"),
        milestones_post({"at": "6", "kind": "award", "title": "Big"}, {"at": "3", "kind": "award", "title": "Small"}),
    )

    assert response.status_code == 200
    assert "in order" in str(response.context["formset"].non_form_errors())
    assert Program.objects.get(pk=shop.program.pk).version == 1


def test_a_lottery_of_another_merchant_is_refused(manager_client, shop, other_shop):
    theirs = make_lottery(other_shop.staff[Role.MANAGER].actor(), [variant("nothing", 1_000_000)])

    response = manager_client.post(
        url(shop.program, "goals"),
        milestones_post({"at": "5", "kind": "lottery", "title": "Spin", "lottery": str(theirs.pk)}),
    )

    assert response.status_code == 200 and response.context["formset"].forms[0].errors["lottery"]
    assert Program.objects.get(pk=shop.program.pk).version == 1


@pytest.mark.parametrize("days", ["0", "3661", "-1"])
def test_a_voucher_validity_out_of_bounds_is_refused(manager_client, shop, days):
    response = manager_client.post(
        url(shop.program, "goals"),
        milestones_post({"at": "5", "kind": "voucher", "title": "Cake", "validity_days": days}),
    )

    assert response.status_code == 200 and response.context["formset"].forms[0].errors["validity_days"]


def test_add_milestone_without_javascript_shows_one_more_row_and_saves_nothing(manager_client, shop):
    response = manager_client.post(
        url(shop.program, "goals"), {**milestones_post({"at": "5", "kind": "award", "title": "Tea"}), "add": "1"}
    )

    assert response.status_code == 200 and len(response.context["formset"].forms) == 2
    assert Program.objects.get(pk=shop.program.pk).version == 1


def test_stamping_and_self_service_settings_are_saved_without_a_new_version(manager_client, shop):
    manager_client.post(url(shop.program, "stamping"), {"stamping_mode": "receipt_qr", "receipt_claim_days": "30"})
    refused = manager_client.post(
        url(shop.program, "stamping"), {"stamping_mode": "cashier", "receipt_claim_days": "0"}
    )
    data = {
        "selfservice_stamps_per_visit": "2",
        "selfservice_visit_window_minutes": "60",
        "selfservice_daily_cap": "4",
        "selfservice_device_scans_per_minute": "10",
        "selfservice_voucher_cooldown_minutes": "15",
        "alert_refusals_per_day": "3",
        "alert_stamps_per_day": "8",
    }
    manager_client.post(url(shop.program, "self-service"), data)

    program = Program.objects.get(pk=shop.program.pk)
    assert refused.status_code == 200 and refused.context["form"].errors["receipt_claim_days"]
    assert (program.stamping_mode, program.receipt_claim_days, program.version) == ("receipt_qr", 30, 1)
    assert (program.selfservice_daily_cap, program.alert_stamps_per_day) == (4, 8)


def png_of(response):
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return Image.open(BytesIO(response.content))


@pytest.mark.parametrize("wallet", ["apple", "google"])
def test_the_preview_image_differs_by_stamp_count_and_by_unsaved_colour(manager_client, shop, wallet):
    base = f"/panel/programs/{shop.program.pk}/preview.png?wallet={wallet}"

    two, five = manager_client.get(f"{base}&stamps=2"), manager_client.get(f"{base}&stamps=5")
    red = manager_client.get(f"{base}&stamps=2&label_color=%23ff0000")

    assert png_of(two).tobytes() != png_of(five).tobytes() != png_of(red).tobytes()
    assert png_of(two).tobytes() != png_of(red).tobytes()
    assert Program.objects.get(pk=shop.program.pk).label_color == "#fbbf24"  # nothing saved


def test_the_preview_draws_the_wallets_own_pictures(manager_client, shop):
    from stampcard.wallet.apple import images as apple_images
    from stampcard.wallet.google import images as google_images

    program = shop.program
    apple = manager_client.get(f"/panel/programs/{program.pk}/preview.png?wallet=apple&stamps=3")
    google = manager_client.get(f"/panel/programs/{program.pk}/preview.png?wallet=google&stamps=3")

    assert apple.content == apple_images.strip_png(
        background=program.background_color,
        foreground=program.foreground_color,
        accent=program.label_color,
        goal=8,
        stamps=3,
        scale=2,
        marks=(8,),
    )
    spec = google_images.design_spec(program=program, rules=program)
    assert google.content == google_images.hero_render(spec, 3)


def picture_urls(page) -> list[str]:
    return re.findall(r'data-preview-image="\w+" src="([^"]+)"', page.content.decode())


def test_the_preview_pictures_move_to_new_addresses_when_the_card_is_saved(manager_client, shop):
    # Browsers keep a preview picture for a minute: one address for two states of the card would show the old one.
    look, goals = url(shop.program, "look"), url(shop.program, "goals")
    first = picture_urls(manager_client.get(look))
    manager_client.post(look, {**LOOK, "background_color": "#0f766e"})
    recoloured = picture_urls(manager_client.get(look))
    manager_client.post(goals, milestones_post({"at": "4", "kind": "award", "title": "Free cookie"}))
    regoaled = picture_urls(manager_client.get(goals))

    assert len(first) == len(recoloured) == len(regoaled) == 2
    assert not set(first) & set(recoloured) and not set(recoloured) & set(regoaled)
    assert picture_urls(manager_client.get(url(shop.program, "review"))) == regoaled  # unchanged card, same pictures


def test_the_preview_fragment_follows_unsaved_milestones(manager_client, shop):
    page = manager_client.get(f"/panel/programs/{shop.program.pk}/preview/?marks=3,6&stamps=4&name=Draft")

    assert page.context["preview"]["goal"] == 6 and page.context["preview"]["stamps"] == 4
    assert "Draft" in page.content.decode()


def test_export_then_import_through_the_panel_makes_an_equal_program(manager_client, shop):
    exported = manager_client.get(f"/panel/programs/{shop.program.pk}/export.json")
    assert exported["Content-Disposition"].startswith("attachment")
    document = json.loads(exported.content)

    upload = SimpleUploadedFile("card.json", exported.content, content_type="application/json")
    response = manager_client.post("/panel/programs/import/", {"file": upload})

    copy = Program.objects.filter(merchant=shop.merchant).exclude(pk=shop.program.pk).get()
    assert response.status_code == 302 and program_export(program=copy) == document


def test_an_import_with_problems_lists_each_of_them(manager_client, shop):
    document = program_export(program=shop.program)
    document["program"].update(goal=500, label_color="yellow")
    upload = SimpleUploadedFile("card.json", json.dumps(document).encode(), content_type="application/json")

    response = manager_client.post("/panel/programs/import/", {"file": upload})

    assert response.status_code == 422
    assert {field for field, _ in response.context["problems"]} >= {"goal", "label_color"}
    not_json = SimpleUploadedFile("card.json", b"{oops", content_type="application/json")
    assert manager_client.post("/panel/programs/import/", {"file": not_json}).context["form"].errors["file"]


def test_a_cashier_may_not_open_the_designer(cashier_client, shop):
    assert cashier_client.get("/panel/programs/").status_code == 403
    assert cashier_client.get(url(shop.program, "look")).status_code == 403
    assert cashier_client.post(f"/panel/programs/{shop.program.pk}/regenerate/").status_code == 403


def test_another_merchants_program_is_not_found(manager_client, other_shop):
    for step in ("look", "goals", "versions", "preview"):
        assert manager_client.get(url(other_shop.program, step)).status_code == 404
    assert manager_client.get(f"/panel/programs/{other_shop.program.pk}/preview.png").status_code == 404
    assert manager_client.get(f"/panel/programs/{other_shop.program.pk}/export.json").status_code == 404


def test_every_step_page_renders_for_an_owner(shop):
    client = signed_in(shop, Role.OWNER)
    for step in ("look", "earning", "goals", "stamping", "self-service", "review", "versions"):
        assert client.get(url(shop.program, step)).status_code == 200, step
