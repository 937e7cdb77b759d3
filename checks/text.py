"""Vietnamese text as the checks compare it: NFC or NFD alike, with or without diacritics."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower case, no diacritics, đ as d, single spaces: 'Đăng ký' and 'Đăng ký' (NFD) and 'dang ky' meet."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("đ", "d")
    return _SPACES.sub(" ", stripped).strip()


def fold_words(text: str) -> str:
    """`fold` with punctuation turned into spaces, for comparing names and labels."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", fold(text))).strip()


def contains_any(text: str, phrases: tuple[str, ...] | list[str]) -> str | None:
    """The first phrase (given folded) found in `text` as whole words, else None."""
    haystack = f" {fold_words(text)} "
    for phrase in phrases:
        if f" {phrase} " in haystack:
            return phrase
    return None
