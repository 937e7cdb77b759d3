"""The synthetic citizen the bot acts as, and the small documents it attaches.

The identity comes from settings (`identity.*`); the password from KIEMTRA_BOT_PASSWORD or, by
default, one random password per process (`crawler/bot/accounts.py`: one account per portal, so
every check of a crawl must type, and redact, the same secret). The password is never stored: steps record the fields a
form had and which were filled, and every typed secret is replaced by "***" before it is kept.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote, quote_plus

from configuration.settings import Identity
from crawler.bot import accounts

REDACTED = "***"


@dataclass(frozen=True)
class Citizen:
    full_name: str
    id_number: str
    birth_date: date
    phone: str
    email: str
    address: str
    password: str

    def secret_values(self) -> set[str]:
        return {self.password}


def make_citizen(settings: Identity, run_tag: str) -> Citizen:
    """The configured identity with a per-run mailbox address and password."""
    password = accounts.password()
    return Citizen(full_name=settings.full_name, id_number=settings.id_number,
                   birth_date=settings.birth_date, phone=settings.phone,
                   email=settings.email.format(run=run_tag.lower()), address=settings.address, password=password)


def redact(text: str, citizen: Citizen) -> str:
    for secret in citizen.secret_values():
        text = text.replace(secret, REDACTED)
    return text


def secret_forms(secret: str) -> list[bytes]:
    """The ways a typed secret shows up in recorded bytes: as typed, form-encoded, JSON-escaped."""
    forms = {secret, quote_plus(secret), quote(secret, safe=""), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1]}
    return sorted({f.encode("utf-8") for f in forms}, key=len, reverse=True)


def redact_zip(path: Path, secrets: set[str]) -> None:
    """Rewrite a Playwright trace before it is kept: its actions and network bodies hold typed values."""
    patterns = [form for secret in secrets for form in secret_forms(secret)]
    cleaned = path.with_suffix(".clean.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(cleaned, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            for pattern in patterns:
                data = data.replace(pattern, REDACTED.encode())
            target.writestr(item, data)
    cleaned.replace(path)


# A one-page PDF is accepted by every upload control seen; it says what it is.
TEST_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
            b"4 0 obj<</Length 62>>stream\nBT /F1 18 Tf 72 760 Td (Tai lieu kiem tra - khong co gia tri) Tj ET\n"
            b"endstream endobj\n"
            b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def test_document() -> dict[str, object]:
    """A file payload for Playwright's set_input_files."""
    return {"name": "tai-lieu-kiem-tra.pdf", "mimeType": "application/pdf", "buffer": TEST_PDF}
