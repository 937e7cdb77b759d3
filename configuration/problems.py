"""Config problems: the list every part appends to, and pydantic's errors said in one line each.

Every part of the config folder (settings, agencies, playbooks, criteria, scoring) appends its
problems to one list; `load_all` raises them together as a `kiemtra.errors.ConfigInvalid`, so
`kiemtra config check` prints every one at once and every other command refuses to start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from configuration import yamlfile
from kiemtra.errors import ConfigError

Problems = list[ConfigError]

# What to do about a bad value, by the name of its field (shared: agencies, criteria, scoring, settings).
FIXES = {
    "group": "dùng một trong: bo, cqtcp, tinh",
    "declared_level": "dùng 2, 3 hoặc 4",
    "url": "dùng một địa chỉ đầy đủ bắt đầu bằng http:// hoặc https://",
    "portal": "dùng một địa chỉ đầy đủ bắt đầu bằng http:// hoặc https://",
    "procedure_code": "mã thủ tục có dạng d.dddddd, ví dụ 1.001193",
    "id": "chỉ dùng chữ thường không dấu, số, dấu gạch ngang, ví dụ bac-ninh-001",
    "playbook": "chỉ dùng chữ thường không dấu, số, dấu gạch ngang",
    "name": "ghi tên đúng như cơ quan khai báo",
}


def dotted(loc: tuple[Any, ...]) -> str:
    """A pydantic location as the config's field name: `services[1].url`."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def from_validation(exc: ValidationError, file: str, document: Any,
                    fixes: Mapping[str, str] = FIXES) -> list[ConfigError]:
    """Each of pydantic's errors as one ConfigError with the file, the line, the field and a fix."""
    out = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        last = next((p for p in reversed(loc) if isinstance(p, str)), "")
        kind = error["type"]
        given = error.get("input")
        if kind == "missing":
            message, fix = "thiếu trường bắt buộc", f"thêm trường {last}"
        elif kind == "extra_forbidden":
            message, fix = "trường không được biết", "xóa trường này hoặc sửa lỗi chính tả tên trường"
        else:
            message = f"giá trị {given!r} không hợp lệ" if not isinstance(given, (dict, list)) else "kiểu không hợp lệ"
            fix = fixes.get(last) or error["msg"]
        out.append(ConfigError(message, file=file, field=dotted(loc), line=yamlfile.line_of(document, loc), fix=fix))
    return out
