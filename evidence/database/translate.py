"""SQLite-flavoured SQL, as the store's modules write it, turned into PostgreSQL's: a pure function.

The store's modules write one SQL for both dialects, in SQLite's spelling: `?` and `:name`
placeholders, `insert or ignore`, `insert or replace`, `x is ?`. PostgreSQL (psycopg) wants
`%s` and `%(name)s`, `on conflict`, `is not distinct from`, `ilike` for SQLite's case-blind
`like`, and a literal `%` doubled. Only what
the store uses is translated; anything else passes through unchanged, so a new query either works
on both or fails loudly on PostgreSQL's own parser in the store tests (run on both dialects).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_INSERT = re.compile(r"^\s*insert\s+or\s+(ignore|replace)\s+into\s+([A-Za-z_][A-Za-z0-9_]*)\s*(\(([^)]*)\))?",
                     re.IGNORECASE)
_IS_PARAM = re.compile(r"\bis\s+(not\s+)?\?", re.IGNORECASE)
_LIKE = re.compile(r"\b(not\s+)?like\b", re.IGNORECASE)
_LITERAL = re.compile(r"('(?:[^']|'')*')")


def _outside_literals(sql: str, change: Callable[[str], str]) -> str:
    parts = _LITERAL.split(sql)
    return "".join(part if index % 2 else change(part) for index, part in enumerate(parts))


@dataclass(frozen=True)
class Translated:
    sql: str
    table: str | None = None        # the table an INSERT writes, when the statement is one
    conflict: str | None = None     # "ignore" or "replace" for SQLite's `insert or …`


def placeholders(sql: str, *, escape: bool = True) -> str:
    """`?` → `%s`, `:name` → `%(name)s`, `%` → `%%` (only with `escape`: psycopg reads `%` only when given
    parameters), outside string literals and quoted names."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            end = i + 1
            while end < n:
                if sql[end] == c:
                    if end + 1 < n and sql[end + 1] == c:   # a doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i:end + 1].replace("%", "%%") if escape else sql[i:end + 1])
            i = end + 1
        elif c == "?":
            out.append("%s")
            i += 1
        elif c == "%":
            out.append("%%" if escape else "%")
            i += 1
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") and (i == 0 or sql[i - 1] != ":"):
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            out.append(f"%({sql[i + 1:end]})s")
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def translate(sql: str, primary_key: Callable[[str], Sequence[str]], *, escape: bool = True) -> Translated:
    """One statement in the store's SQLite spelling, in PostgreSQL's; `primary_key(table)` names a table's key."""
    text = _IS_PARAM.sub(lambda m: "is distinct from ?" if m.group(1) else "is not distinct from ?", sql)
    # SQLite's LIKE ignores ASCII case; PostgreSQL's does not: ILIKE keeps what the query meant.
    text = _outside_literals(text, lambda part: _LIKE.sub(lambda m: f"{m.group(1) or ''}ilike", part))
    match = _INSERT.match(text)
    conflict = table = None
    if match:
        conflict, table = match.group(1).lower(), match.group(2)
        text = text[:match.start()] + f"insert into {table} " + (match.group(3) or "") + text[match.end():]
        body = text.rstrip().rstrip(";")
        if conflict == "ignore":
            text = body + " on conflict do nothing"
        else:
            key = list(primary_key(table))
            columns = [c.strip() for c in (match.group(4) or "").split(",") if c.strip()]
            others = [c for c in columns if c not in key]
            action = ("do update set " + ", ".join(f"{c} = excluded.{c}" for c in others)) if others else "do nothing"
            text = body + f" on conflict ({', '.join(key)}) {action}"
    else:
        plain = re.match(r"^\s*insert\s+into\s+([A-Za-z_][A-Za-z0-9_]*)", text, re.IGNORECASE)
        table = plain.group(1) if plain else None
    return Translated(placeholders(text, escape=escape), table, conflict)
