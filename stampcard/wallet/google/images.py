"""The images Google fetches from us: a stamp-strip hero per (design, stamp count) and a program logo.

Google downloads images from public URLs and caches them by URL, and a save fails if one cannot be fetched. So each
stamp count has its own URL under a hash of the design (``/wallet/google/hero/<hash>/<count>.png``); a design change
makes new URLs, and the old ones keep rendering because their designs are kept (``HeroDesign``).
"""

import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from stampcard.cards.models import Program, ProgramRules
from stampcard.wallet.google.models import HeroDesign
from stampcard.wallet.stamps import StripLook, png, rgb, stamp_strip

RENDERER = 2  # bump when the drawing changes, so Google fetches the new pictures
HERO_SIZE = (1032, 336)  # Google's recommended hero size
LOGO_SIZE = 660
CACHE_SECONDS = 7 * 24 * 3600


# The program's pictures a hero may show: spec key -> Program field. Stored files are never overwritten (Django's
# storage picks a fresh name for each upload), so a file's name identifies its picture.
LOOK_FILES = {"filled": "stamp_image", "empty": "stamp_empty_image", "backdrop": "strip_image"}


def design_spec(*, program: Program, rules: ProgramRules) -> dict[str, Any]:
    milestones = rules.milestone_list()
    spec: dict[str, Any] = {
        "renderer": RENDERER,
        "background": program.background_color.lower(),
        "foreground": program.foreground_color.lower(),
        "accent": program.label_color.lower(),
        "slots": int(milestones[-1]["at"]),
        "marks": [int(m["at"]) for m in milestones],
    }
    # Only a look that differs from the plain one enters the spec, so the hashes (the URLs Google holds) of the
    # designs made before stamp pictures existed stay the same.
    if program.stamp_icon and program.stamp_icon != "tick":
        spec["icon"] = program.stamp_icon
    for key, field in LOOK_FILES.items():
        if getattr(program, field):
            spec[key] = getattr(program, field).name
    return spec


def _stored(name: str | None) -> bytes | None:
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            return bytes(handle.read())
    except (OSError, ValueError):
        return None


def spec_look(spec: dict[str, Any]) -> StripLook:
    return StripLook(
        icon=spec.get("icon", "tick"),
        filled=_stored(spec.get("filled")),
        empty=_stored(spec.get("empty")),
        backdrop=_stored(spec.get("backdrop")),
    )


def design_hash(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]


def hero_design_register(spec: dict[str, Any]) -> str:
    """Keep the design so that its URLs render for as long as Google may fetch them; returns its hash."""
    key = design_hash(spec)
    if not HeroDesign.objects.filter(pk=key).exists():
        HeroDesign.objects.get_or_create(pk=key, defaults={"spec": spec})
    return key


def hero_png(*, design_key: str, spec: dict[str, Any], count: int) -> bytes:
    """The strip for ``count`` stamps (0 <= count <= slots), rendered once and then served from the cache."""
    cache_key = f"gw:hero:{design_key}:{count}"
    cached = cache.get(cache_key)
    if cached is not None:
        return bytes(cached)
    data = hero_render(spec, count)
    cache.set(cache_key, data, CACHE_SECONDS)
    return data


def hero_render(spec: dict[str, Any], count: int) -> bytes:
    """The hero drawn afresh, uncached: the pass's (through ``hero_png``) and the designer's preview."""
    return png(
        stamp_strip(
            size=HERO_SIZE,
            background=spec["background"],
            foreground=spec["foreground"],
            accent=spec["accent"],
            goal=spec["slots"],
            stamps=count,
            marks=tuple(spec["marks"]),
            look=spec_look(spec),
        )
    )


def logo_png(*, program: Program) -> bytes:
    """The program's logo on a square, or its initial when it has none (``programLogo`` is required by Google)."""
    cache_key = f"gw:logo:{program.pk}:{logo_version(program)}"
    cached = cache.get(cache_key)
    if cached is not None:
        return bytes(cached)
    background, foreground = rgb(program.background_color), rgb(program.foreground_color)
    image = Image.new("RGB", (LOGO_SIZE, LOGO_SIZE), background)
    logo: Image.Image | None = None
    if program.logo:
        try:
            with program.logo.open("rb") as handle:
                logo = Image.open(handle)
                logo.load()
        except (OSError, ValueError):
            logo = None
    if logo is not None:
        logo.thumbnail((LOGO_SIZE, LOGO_SIZE))
        rgba = logo.convert("RGBA")
        image.paste(rgba, ((LOGO_SIZE - rgba.width) // 2, (LOGO_SIZE - rgba.height) // 2), rgba)
    else:
        draw = ImageDraw.Draw(image)
        initial = (program.name.strip()[:1] or "S").upper()
        font = ImageFont.load_default(size=LOGO_SIZE // 2)
        draw.text((LOGO_SIZE / 2, LOGO_SIZE / 2), initial, fill=foreground, font=font, anchor="mm")
    data = png(image)
    cache.set(cache_key, data, CACHE_SECONDS)
    return data


def logo_version(program: Program) -> str:
    source = json.dumps([RENDERER, program.logo.name or "", program.name, program.background_color])
    return hashlib.sha256(source.encode()).hexdigest()[:12]
