"""Image CAPTCHA: distorted random text drawn with Pillow (meant to be unsolvable by the bot)."""
from __future__ import annotations

import io
import random
import string

from PIL import Image, ImageDraw, ImageFilter, ImageFont


def new_text(n: int = 5) -> str:
    return "".join(random.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(n))


def render(text: str) -> bytes:
    img = Image.new("RGB", (160, 60), (235, 235, 225))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    for _ in range(8):  # noise lines
        draw.line([(random.randint(0, 160), random.randint(0, 60)) for _ in range(2)], fill=(random.randint(60, 160),) * 3, width=2)
    for i, ch in enumerate(text):
        glyph = Image.new("L", (24, 24), 0)
        ImageDraw.Draw(glyph).text((6, 4), ch, fill=255, font=font)
        glyph = glyph.resize((40, 40)).rotate(random.randint(-35, 35), expand=False)
        img.paste(Image.new("RGB", glyph.size, (random.randint(0, 90), 30, 90)), (10 + i * 28, random.randint(2, 18)), glyph)
    for _ in range(300):
        draw.point((random.randint(0, 159), random.randint(0, 59)), fill=tuple(random.randint(0, 255) for _ in range(3)))
    img = img.filter(ImageFilter.SMOOTH)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
