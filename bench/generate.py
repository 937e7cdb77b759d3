"""Real-shaped procedure names and noisy declared names for the matching benchmark.

Names are recombined from real CSDL TTHC names: the opening action ("Cấp giấy phép", "Đăng ký",
"Thủ tục thẩm định") of one name with the object of another, plus qualifiers real names carry.
Declared names get the noise agencies add (see DOMAIN.md §4): no diacritics, abbreviations,
"Thủ tục"/"1." prefixes, "(mức độ 3)"/unit suffixes, typos, reordered words, NFD text.
A share of declared names uses objects held out of the catalogue: their right answer is `none`.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from checks.catalogue.normalize import fold, normalize

REPO = Path(__file__).resolve().parent.parent
SOURCES = [REPO.parent / "shared" / "real" / "tthc_dvcqg_procedures.csv",
           REPO.parent / "shared" / "real" / "tthc_bqp_procedures.csv",
           REPO / "demoworld" / "data" / "procedures.csv"]
QUALIFIERS = ["", "", "", " đối với tổ chức", " đối với cá nhân", " cho người nước ngoài", " trong nước",
              " có yếu tố nước ngoài", " lần đầu", " đối với doanh nghiệp nhà nước", " tại khu kinh tế"]
ABBREVIATE = [("giấy chứng nhận", "GCN"), ("quyền sử dụng đất", "QSDĐ"), ("đăng ký kinh doanh", "ĐKKD"),
              ("ủy ban nhân dân", "UBND"), ("giấy phép", "GP"), ("bảo hiểm y tế", "BHYT"), ("hộ kinh doanh", "HKD")]
PREFIXES = ["Thủ tục ", "TTHC: ", "1. ", "12. ", "Hồ sơ đề nghị ", "DVCTT "]
SUFFIXES = [" (mức độ 3)", " (mức độ 4)", " (Cấp huyện)", " (cấp tỉnh)", " - UBND huyện Tiên Du", " (Công an xã, thị trấn)"]


@dataclass(frozen=True)
class Declared:
    name: str
    truth: str | None      # the right code, or None when the procedure is not in the catalogue


def real_names() -> list[str]:
    names: list[str] = []
    for path in SOURCES:
        if path.exists():
            with path.open(encoding="utf-8-sig", newline="") as f:
                names += [r["ten_thu_tuc"].strip() for r in csv.DictReader(f) if r.get("ten_thu_tuc")]
    return list(dict.fromkeys(names))


def _split(name: str) -> tuple[str, str]:
    words = name.removeprefix("Thủ tục ").split()
    cut = 3 if len(words) > 5 else 2
    return " ".join(words[:cut]), " ".join(words[cut:])


def catalogue(size: int, seed: int = 7) -> tuple[list[tuple[str, str]], list[str]]:
    """(code, name) pairs of `size` unique procedures, and names held out of it."""
    rng = random.Random(seed)
    heads, tails = zip(*(_split(n) for n in real_names()))
    heads, tails = list(dict.fromkeys(h for h in heads if h)), list(dict.fromkeys(t for t in tails if len(t.split()) >= 2))
    rng.shuffle(tails)
    held_tails, tails = tails[: len(tails) // 10], tails[len(tails) // 10:]
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    while len(out) < size:
        name = f"{rng.choice(heads)} {rng.choice(tails)}{rng.choice(QUALIFIERS)}"
        key = normalize(name).folded
        if key not in seen:
            seen.add(key)
            out.append((f"{rng.choice('1235')}.{len(out):06d}", name[0].upper() + name[1:]))
    held: list[str] = []
    while len(held) < max(1000, size // 20):
        name = f"{rng.choice(heads)} {rng.choice(held_tails)}"
        if normalize(name).folded not in seen:
            held.append(name[0].upper() + name[1:])
    return out, held


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(text) - 1))
    kind = rng.choice("dsir")
    if kind == "d":
        return text[:i] + text[i + 1:]
    if kind == "s" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == "i":
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeinhtgcu") + text[i + 1:]


def noisy(name: str, rng: random.Random) -> str:
    """One declared spelling of a procedure name, the way agencies write them."""
    text = name.removeprefix("Thủ tục ")
    for long, short in ABBREVIATE:
        if long in text.lower() and rng.random() < 0.6:
            at = text.lower().index(long)
            text = text[:at] + short + text[at + len(long):]
    words = text.split()
    if len(words) > 4 and rng.random() < 0.15:
        i = rng.randrange(1, len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    text = " ".join(words)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        text = _typo(text, rng)
    if rng.random() < 0.35:
        text = fold(text)
    if rng.random() < 0.3:
        text = rng.choice(PREFIXES) + text
    if rng.random() < 0.3:
        text += rng.choice(SUFFIXES)
    if rng.random() < 0.05:
        text = text.upper()
    if rng.random() < 0.2:
        text = unicodedata.normalize("NFD", text)
    return text


def declared(procedures: list[tuple[str, str]], held: list[str], count: int, absent_share: float = 0.15,
             seed: int = 11) -> list[Declared]:
    rng = random.Random(seed)
    out: list[Declared] = []
    for _ in range(count):
        if rng.random() < absent_share:
            out.append(Declared(noisy(rng.choice(held), rng), None))
        else:
            code, name = rng.choice(procedures)
            out.append(Declared(noisy(name, rng), code))
    return out
