"""The stamp strip both wallets show (Apple's strip image, Google's hero image): one drawing, so a customer sees
the same card in either wallet. Filled stamps carry a tick, a milestone gets a second ring, and a goal too long for
a row of stamps becomes a progress bar."""

import io
import math

from PIL import Image, ImageDraw

MAX_SLOTS = 30  # beyond this a grid of dots says nothing; bigger goals show a progress bar
SUPERSAMPLE = 4  # drawn larger and scaled down: Pillow's ellipses are not anti-aliased


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def grid(count: int, width: float, height: float) -> tuple[int, int]:
    """Rows and columns that give ``count`` stamps the largest cells in a ``width`` x ``height`` box."""
    best, best_cell = (1, count), 0.0
    for rows in range(1, count + 1):
        cols = math.ceil(count / rows)
        cell = min(width / cols, height / rows)
        if cell > best_cell:
            best, best_cell = (rows, cols), cell
    return best


def stamp_strip(
    *,
    size: tuple[int, int],
    background: str,
    foreground: str,
    accent: str,
    goal: int,
    stamps: int,
    marks: tuple[int, ...] = (),
) -> Image.Image:
    """``stamps`` of ``goal`` stamps filled; ``marks`` are the stamp counts where a milestone waits."""
    stamps = max(0, min(stamps, goal))
    width, height = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
    bg, fg, acc = rgb(background), rgb(foreground), rgb(accent)
    canvas = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(canvas)
    margin = round(min(width, height) * 0.07)
    if goal > MAX_SLOTS:
        bar_h = round(height * 0.15)
        top = (height - bar_h) // 2
        draw.rounded_rectangle(
            (margin, top, width - margin, top + bar_h), radius=bar_h // 2, outline=fg, width=SUPERSAMPLE * 4
        )
        filled = int((width - 2 * margin) * stamps / goal)
        if filled:
            draw.rounded_rectangle((margin, top, margin + filled, top + bar_h), radius=bar_h // 2, fill=acc)
        return canvas.resize(size, Image.Resampling.LANCZOS)
    rows, cols = grid(goal, width - 2 * margin, height - 2 * margin)
    cell = min((width - 2 * margin) / cols, (height - 2 * margin) / rows)
    radius = cell * 0.38
    line = max(SUPERSAMPLE, round(cell * 0.06))
    origin_y = (height - rows * cell) / 2
    for i in range(goal):
        row, col = divmod(i, cols)
        in_row = cols if row < rows - 1 else goal - cols * (rows - 1)  # the last row is centred when not full
        cx = (width - in_row * cell) / 2 + col * cell + cell / 2
        cy = origin_y + row * cell + cell / 2
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        if i < stamps:
            draw.ellipse(box, fill=acc)
            tick = [
                (cx - radius * 0.45, cy + radius * 0.02),
                (cx - radius * 0.12, cy + radius * 0.35),
                (cx + radius * 0.48, cy - radius * 0.30),
            ]
            draw.line(tick, fill=bg, width=line * 2, joint="curve")
        else:
            draw.ellipse(box, outline=fg, width=line)
        if i + 1 in marks:  # a milestone: a second ring tells the customer a reward waits here
            outer = radius * 1.15
            draw.ellipse((cx - outer, cy - outer, cx + outer, cy + outer), outline=acc, width=line)
    return canvas.resize(size, Image.Resampling.LANCZOS)
