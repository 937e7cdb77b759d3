"""A visible banner on a derived copy of a screenshot: service, step, time and URL (R9).

The banner is a strip added above the picture, never drawn over it, so nothing the bot saw is
hidden. The original screenshot stays untouched; the copy is a new artifact with its own hash, and
the manifest records both. Thumbnails for the evidence browser are made here too.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                   "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                   "/usr/share/fonts/TTF/DejaVuSans.ttf")
FONT_SIZE = 15
LINE_GAP = 5
PADDING = 8
BANNER_BG = (128, 0, 0)
BANNER_FG = (255, 255, 255)


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # DejaVu has every Vietnamese letter; Pillow's built-in font would drop the diacritics.
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, FONT_SIZE)
    return ImageFont.load_default(size=FONT_SIZE)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> str:
    """Cut `text` with an ellipsis so that it fits `width` pixels (a long URL must not run off)."""
    if draw.textlength(text, font=font) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if draw.textlength(text[:middle] + "…", font=font) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"


def add_banner(png: bytes, lines: list[str]) -> bytes:
    """A PNG: the screenshot under a strip carrying `lines` of text."""
    with Image.open(io.BytesIO(png)) as original:
        picture = original.convert("RGB")
    font = _font()
    probe = ImageDraw.Draw(picture)
    line_height = FONT_SIZE + LINE_GAP
    strip = PADDING * 2 + line_height * len(lines)
    out = Image.new("RGB", (picture.width, picture.height + strip), BANNER_BG)
    out.paste(picture, (0, strip))
    draw = ImageDraw.Draw(out)
    for index, line in enumerate(lines):
        draw.text((PADDING, PADDING + index * line_height), _fit(probe, line, font, picture.width - 2 * PADDING),
                  font=font, fill=BANNER_FG)
    buffer = io.BytesIO()
    # Fast compression: a full-page screenshot can be 16,000 pixels tall and sealing runs in the crawl.
    out.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def thumbnail(source: Path, width: int = 320, max_height: int = 400) -> bytes:
    """A small JPEG of the top of a screenshot, for lists and timelines."""
    with Image.open(source) as original:
        picture = original.convert("RGB")
    scale = width / picture.width if picture.width > width else 1.0
    crop_height = min(picture.height, int(max_height / scale))
    picture = picture.crop((0, 0, picture.width, crop_height))
    picture.thumbnail((width, max_height))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
