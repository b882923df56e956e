"""Printable join-QR labels: 10x15 cm for a counter stand or table tent, 5x5 cm for a sticker.

fpdf2 (pure Python) with DejaVu, so Cyrillic merchant and program names print; the QR is drawn as vector rectangles
and stays sharp at any printer resolution. Labels are for customers, so they speak the merchant's language.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from stampcard.cards.links import join_url
from stampcard.cards.models import Program
from stampcard.core.printing import PrintSheet

# name -> (width mm, height mm)
LABEL_SIZES: dict[str, tuple[float, float]] = {"10x15": (100.0, 150.0), "5x5": (50.0, 50.0)}


class _Label(PrintSheet):
    def __init__(self, width: float, height: float) -> None:
        super().__init__(format=(width, height))

    def centred(self, text: str, *, y: float, size: float, bold: bool = False, line: float = 0, grey: int = 0) -> None:
        self.set_font("body", "B" if bold else "", size)
        self.set_text_color(grey)
        self.set_xy(self.l_margin, y)
        self.multi_cell(self.epw, line or size * 0.45, text, align="C", new_x="LMARGIN", new_y="NEXT")


def join_label(*, program: Program, size: str) -> bytes:
    """One label as a one-page PDF of exactly ``LABEL_SIZES[size]``. Raises KeyError for an unknown size."""
    width, height = LABEL_SIZES[size]
    with translation.override(program.merchant.locale or settings.LANGUAGE_CODE):
        url = join_url(program)
        label = _Label(width, height)
        label.set_title(f"{program.merchant.name}: {program.name}")
        label.set_creator("stampcard")
        label.add_page()
        if size == "5x5":
            _small(label, program=program, url=url)
        else:
            _large(label, program=program, url=url)
        return bytes(label.output())


def _reward_line(program: Program) -> str:
    last = program.milestone_list()[-1]
    return _("%(count)d stamps = %(reward)s") % {"count": last["at"], "reward": last["title"]}


def _large(label: _Label, *, program: Program, url: str) -> None:
    label.set_margins(8, 0, 8)
    label.centred(program.merchant.name[:80], y=9, size=16, bold=True, line=7)
    label.centred(program.name[:80], y=label.get_y() + 1, size=11, grey=70, line=5)
    qr_side = 72.0
    top = 34.0
    label.qr(url, (label.w - qr_side) / 2, top, qr_side)
    label.centred(_("Scan with your phone camera"), y=top + qr_side + 5, size=13, bold=True, line=6)
    label.centred(
        _("Get our loyalty card in 15 seconds. No app, no registration."),
        y=label.get_y() + 1,
        size=9,
        grey=60,
        line=4.5,
    )
    label.centred(_reward_line(program), y=label.get_y() + 2, size=10, bold=True, line=5)
    label.centred(url, y=label.h - 9, size=6.5, grey=110, line=3)


def _small(label: _Label, *, program: Program, url: str) -> None:
    label.set_margins(2, 0, 2)
    qr_side = 36.0
    label.qr(url, (label.w - qr_side) / 2, 2.5, qr_side)
    label.centred(_("Scan for your loyalty card"), y=40, size=6.5, bold=True, line=3)
    label.centred(program.merchant.name[:40], y=label.get_y(), size=5.5, grey=70, line=2.8)
