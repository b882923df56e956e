"""The public images Google fetches: one hero per design and stamp count, and the program logo."""

from io import BytesIO

from django.test import Client
from PIL import Image

from stampcard.wallet.google import images
from tests.factories import CardFactory, ProgramFactory

client = Client()


def spec_of(card):
    return images.design_spec(program=card.program, rules=card.rules)


def test_each_stamp_count_has_its_own_stable_hero_url_and_picture(db, card):
    key = images.hero_design_register(spec_of(card))

    zero = client.get(f"/wallet/google/hero/{key}/0.png")
    three = client.get(f"/wallet/google/hero/{key}/3.png")

    assert zero.status_code == three.status_code == 200
    assert zero.content != three.content
    assert client.get(f"/wallet/google/hero/{key}/3.png").content == three.content
    assert Image.open(BytesIO(three.content)).size == images.HERO_SIZE


def test_a_design_change_gives_new_urls_and_the_old_ones_keep_rendering(db, card):
    old = images.hero_design_register(spec_of(card))
    card.program.label_color = "#ff0000"
    card.program.save()

    new = images.hero_design_register(spec_of(card))

    assert new != old
    assert client.get(f"/wallet/google/hero/{old}/1.png").status_code == 200


def test_unknown_designs_and_counts_past_the_goal_are_not_found(db, card):
    key = images.hero_design_register(spec_of(card))

    assert client.get(f"/wallet/google/hero/{key}/9.png").status_code == 404
    assert client.get("/wallet/google/hero/0123456789abcdef0123/1.png").status_code == 404


def test_a_big_goal_renders_a_progress_bar(db, merchant):
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=60))

    key = images.hero_design_register(spec_of(card))

    assert client.get(f"/wallet/google/hero/{key}/30.png").status_code == 200


def test_a_program_without_a_logo_gets_its_initial(db, program):
    response = client.get(f"/wallet/google/logo/{program.pk}/{images.logo_version(program)}.png")

    assert response.status_code == 200
    assert Image.open(BytesIO(response.content)).size == (images.LOGO_SIZE, images.LOGO_SIZE)
    assert "immutable" in response["Cache-Control"]


def test_a_stamp_picture_makes_a_new_hero_while_a_plain_design_keeps_its_old_url(db, card, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    plain = images.hero_design_register(spec_of(card))
    card.program.stamp_icon = "tick"
    assert images.hero_design_register(spec_of(card)) == plain  # the default adds nothing to the spec

    card.program.stamp_icon = "heart"
    raw = BytesIO()
    Image.new("RGB", (64, 64), (200, 0, 0)).save(raw, format="PNG")
    card.program.stamp_image.save("stamp.png", ContentFile(raw.getvalue()))
    heart = images.hero_design_register(spec_of(card))

    assert heart != plain
    assert (
        client.get(f"/wallet/google/hero/{heart}/2.png").content
        != client.get(f"/wallet/google/hero/{plain}/2.png").content
    )
