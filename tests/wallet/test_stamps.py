"""The stamp strip both wallets draw: its size, what filled stamps and milestones change, the progress bar."""

from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from stampcard.wallet import stamps
from stampcard.wallet.stamps import MAX_SLOTS, rgb, stamp_strip

DESIGN = {"background": "#1f2937", "foreground": "#ffffff", "accent": "#fbbf24"}
ACCENT = rgb(DESIGN["accent"])


def strip(**kwargs):
    return stamp_strip(size=(750, 288), **DESIGN, **kwargs)


def accent_share(image) -> float:
    pixels = list(image.get_flattened_data())
    return sum(1 for p in pixels if p == ACCENT) / len(pixels)


def test_the_strip_has_the_size_asked_for():
    assert strip(goal=8, stamps=3).size == (750, 288)


def test_more_stamps_fill_more_of_the_strip_and_stamps_past_the_goal_change_nothing():
    shares = [accent_share(strip(goal=8, stamps=n)) for n in (0, 3, 8, 12)]

    assert shares[0] == 0 < shares[1] < shares[2] == shares[3]


def test_a_milestone_adds_its_ring():
    assert accent_share(strip(goal=9, stamps=0, marks=(3, 6, 9))) > accent_share(strip(goal=9, stamps=0)) == 0


def test_a_goal_too_long_for_stamps_is_a_progress_bar_filled_in_proportion():
    goal = MAX_SLOTS * 2
    quarter, half = accent_share(strip(goal=goal, stamps=goal // 4)), accent_share(strip(goal=goal, stamps=goal // 2))

    assert 1.8 < half / quarter < 2.2


def png_bytes(colour, size=(64, 64)) -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGBA", size, colour).save(out, format="PNG")
    return out.getvalue()


def test_each_built_in_stamp_picture_draws_a_different_stamp():
    from stampcard.cards.models import StampIcon
    from stampcard.wallet.stamps import StripLook

    pictures = {icon: strip(goal=4, stamps=2, look=StripLook(icon=icon)).tobytes() for icon in StampIcon.values}

    assert len(set(pictures.values())) == len(StampIcon.values)


def test_the_default_look_is_the_tick_drawn_before_stamp_pictures_existed():
    from stampcard.wallet.stamps import StripLook

    assert strip(goal=8, stamps=3).tobytes() == strip(goal=8, stamps=3, look=StripLook(icon="tick")).tobytes()


def test_uploaded_pictures_of_a_collected_and_an_empty_stamp_replace_the_drawn_ones():
    from stampcard.wallet.stamps import StripLook

    red, blue = (220, 20, 20), (20, 20, 220)
    look = StripLook(filled=png_bytes((*red, 255)), empty=png_bytes((*blue, 255)))
    image = strip(goal=4, stamps=1, look=look)
    pixels = list(image.get_flattened_data())

    assert red in pixels and blue in pixels and accent_share(image) == 0


def test_a_strip_picture_lies_behind_the_stamps_and_a_broken_picture_is_ignored():
    from stampcard.wallet.stamps import StripLook

    plain = strip(goal=4, stamps=1)

    assert strip(goal=4, stamps=1, look=StripLook(backdrop=png_bytes((0, 200, 0, 255)))).tobytes() != plain.tobytes()
    assert strip(goal=4, stamps=1, look=StripLook(backdrop=b"not a picture")).tobytes() == plain.tobytes()


def test_a_picture_on_a_storage_that_keeps_no_modification_times_is_read_every_time(tmp_path):
    class Undated(FileSystemStorage):
        def get_modified_time(self, name):
            raise NotImplementedError

    storage = Undated(location=tmp_path)
    storage.save("stamp.png", ContentFile(b"first"))
    field = SimpleNamespace(storage=storage, name="stamp.png")

    assert stamps.stored_bytes(field) == b"first"
    (tmp_path / "stamp.png").write_bytes(b"other")
    assert stamps.stored_bytes(field) == b"other"
    assert stamps.stored_bytes(SimpleNamespace(storage=storage, name="gone.png")) is None
