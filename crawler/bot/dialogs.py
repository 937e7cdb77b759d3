"""The browser's own dialogs (alert, confirm, prompt, leaving a page), answered as the citizen doing the check would.

An alert has only "OK". A confirm asks about the move the bot just made ("Ông/Bà có chắc chắn muốn nộp hồ
sơ?"): it is accepted, unless its words would undo or leave what the bot is doing (cancel, delete, sign
out, leave without saving), which is refused. A prompt asks for words the bot has none for: refused.
Leaving a page the bot chose to leave ("beforeunload") is accepted. Dismissing every dialog, as the first
round did, cancelled every submission a portal asks to confirm.
"""

from __future__ import annotations

from checks.text import fold_words

# Folded words of a confirm that would undo the citizen's move rather than carry it out.
REFUSE: tuple[str, ...] = ("huy", "xoa", "roi khoi", "roi trang", "thoat", "dang xuat", "bo qua", "khong luu", "tu choi")
KEPT = 10   # dialogs named in a step's record: an alert storm is counted, not copied


def accepts(kind: str, message: str) -> bool:
    """Whether the citizen answers this dialog with its OK."""
    if kind in ("alert", "beforeunload"):
        return True
    if kind != "confirm":
        return False
    words = f" {fold_words(message)} "
    return not any(f" {word} " in words for word in REFUSE)
