"""The designer's live preview: the card as the wallets and the web card would show it, from the saved program with
the form's unsaved values laid over it, drawn by the very functions that draw the passes.

Nothing here saves: the program is copied and changed in memory only.
"""

import copy
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from stampcard.cards.models import Program, StampIcon
from stampcard.wallet.apple import images as apple_images
from stampcard.wallet.google import images as google_images
from stampcard.wallet.stamps import png, program_look, stamp_icon_sample

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
COLOUR_FIELDS = ("background_color", "foreground_color", "label_color")
PICTURE_FIELDS = ("logo", "stamp_image", "stamp_empty_image", "strip_image")
MIN_TEXT_CONTRAST = 4.5  # WCAG 2 AA for normal text
PREVIEW_SCALE = 2


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2's relative luminance of an sRGB colour ``#rrggbb``."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    value = hex_colour.lstrip("#")
    r, g, b = (channel(int(value[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_warnings(*, background: str, foreground: str, label: str) -> list[dict[str, Any]]:
    """The colour pairs that are hard to read on the card (below 4.5:1), each with its ratio."""
    warnings = []
    for name, colour in (("foreground", foreground), ("label", label)):
        ratio = contrast_ratio(colour, background)
        if ratio < MIN_TEXT_CONTRAST:
            warnings.append({"which": name, "ratio": round(ratio, 1)})
    return warnings


def _int(value: Any, default: int, *, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(str(value))))
    except (TypeError, ValueError):
        return default


def program_preview(program: Program, params: Mapping[str, Any]) -> Program:
    """A copy of ``program`` with the form's unsaved values from ``params`` (bad values keep the saved ones)."""
    draft = copy.copy(program)
    name = " ".join(str(params.get("name") or "").split())[:100]
    if name:
        draft.name = name
    for field in COLOUR_FIELDS:
        value = str(params.get(field) or "")
        if HEX.match(value):
            setattr(draft, field, value.lower())
    if params.get("stamp_icon") in StampIcon.values:
        draft.stamp_icon = str(params["stamp_icon"])
    marks = sorted({_int(m, 0, low=0, high=100) for m in str(params.get("marks") or "").split(",") if m.strip()})
    marks = [m for m in marks if m > 0]
    if marks:
        draft.milestones = [{"at": at, "kind": "award", "title": ""} for at in marks]
        draft.goal = marks[-1]
    return draft


def preview_revision(program: Program) -> str:
    """A short digest of everything the preview's pictures are drawn from. It goes into the pictures' URLs: browsers
    keep a picture for a minute, and without it a step saved a moment ago would show the card as it was before."""
    drawn = [
        program.version,
        program.name,
        program.stamp_icon,
        program.goal,
        program.milestones,
        *(getattr(program, field) for field in COLOUR_FIELDS),
        *(getattr(program, field).name or "" for field in PICTURE_FIELDS),
    ]
    return hashlib.sha256(json.dumps(drawn, default=str).encode()).hexdigest()[:12]


def preview_stamps(program: Program, params: Mapping[str, Any]) -> int:
    goal = int(program.milestone_list()[-1]["at"])
    return _int(params.get("stamps"), min(3, goal), low=0, high=goal)


def preview_png(*, program: Program, wallet: str, stamps: int) -> bytes:
    """The strip Apple Wallet (``wallet=apple``) or the hero Google Wallet would show at ``stamps`` stamps."""
    milestones = program.milestone_list()
    if wallet == "google":
        spec = google_images.design_spec(program=program, rules=program)
        return google_images.hero_render(spec, stamps)
    return apple_images.strip_render(
        background=program.background_color,
        foreground=program.foreground_color,
        accent=program.label_color,
        goal=int(milestones[-1]["at"]),
        stamps=stamps,
        scale=PREVIEW_SCALE,
        marks=tuple(int(m["at"]) for m in milestones),
        look=program_look(program),
    )


def icon_sample_png(*, program: Program, icon: str) -> bytes:
    """One collected stamp of a built-in picture in the program's colours, for the picker."""
    return png(stamp_icon_sample(icon=icon, background=program.background_color, accent=program.label_color))


def web_slots(program: Program, stamps: int) -> list[dict[str, Any]]:
    """The web card's stamp slots (as ``join/card.html`` lays them out)."""
    marks = {int(m["at"]) for m in program.milestone_list()}
    goal = int(program.milestone_list()[-1]["at"])
    return [{"n": n, "filled": n <= stamps, "milestone": n in marks} for n in range(1, goal + 1)]
