"""Helpers of the scanner app's browser tests: a staff login, a fake camera showing a card, pairing through the UI."""

import io
from pathlib import Path

import segno
from PIL import Image

from stampcard.merchants.models import Role
from tests.factories import MembershipFactory, StaffUserFactory

PASSWORD = "correct horse battery staple"  # StaffUserFactory's
WIDTH, HEIGHT = 640, 480
TILL = {"width": 1280, "height": 800}
TABLET = {"width": 1024, "height": 768}


def staff_member(merchant, *, email: str, role: Role = Role.CASHIER, name: str = ""):
    user = StaffUserFactory(email=email, full_name=name)
    return MembershipFactory(merchant=merchant, user=user, role=role)


def _frame_planes(image: Image.Image) -> bytes:
    y, cb, cr = image.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    return y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()


def card_video(path: Path, payload: str, *, frames: int = 20, blank_frames: int = 0) -> Path:
    """A Y4M file Chromium plays as its webcam: the card's QR (a full QR, as on the wallet pass) for ``frames``
    frames, then ``blank_frames`` without it (the card taken away); Chromium loops the file."""
    png = io.BytesIO()
    segno.make_qr(payload).save(png, kind="png", scale=10, border=4)
    code = Image.open(io.BytesIO(png.getvalue())).convert("RGB")
    shown = Image.new("RGB", (WIDTH, HEIGHT), (235, 235, 235))
    shown.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    away = Image.new("RGB", (WIDTH, HEIGHT), (120, 110, 100))
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for image in [shown] * frames + [away] * blank_frames:
            video.write(b"FRAME\n" + _frame_planes(image))
    return path


def fake_camera_args(video: Path) -> list[str]:
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        "--autoplay-policy=no-user-gesture-required",
    ]


def scanner_page(browser, live_server, *, language: str = "en", viewport=None, camera: bool = False):
    context = browser.new_context(
        viewport=viewport or TILL,
        locale=language,
        extra_http_headers={"Accept-Language": language},
        permissions=["camera"] if camera else [],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server.url + "/scanner/")
    return page


def pair(page, *, email: str, location_name: str, mode: str, device_name: str = "Front counter") -> None:
    """Pair through the login screen, as a staff member would."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Set up this device").wait_for()
    page.get_by_label(location_name, exact=True).check()
    page.get_by_label("Device name").fill(device_name)
    page.locator(f"input[name=mode][value={mode}]").check()
    page.get_by_role("button", name="Pair this device").click()
    page.locator(f"[data-testid={mode}]").wait_for()
