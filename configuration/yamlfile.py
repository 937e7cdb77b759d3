"""YAML loading that remembers where each value stood, so config errors can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kiemtra.errors import ConfigError


class LineDict(dict):
    """A mapping that knows the line of each of its keys (1-based)."""

    lines: dict[Any, int]


class LineList(list):
    """A sequence that knows the line of each of its items (1-based)."""

    lines: list[int]


# libyaml's parser when PyYAML has it (five to ten times faster, so loading the whole folder stays cheap);
# both build the same nodes with their marks, which is all the line-keeping constructors below need.
_Safe: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Safe):  # type: ignore[valid-type,misc]
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise ConfigError("khóa bị lặp lại", field=str(key), line=key_node.start_mark.line + 1,
                              fix="mỗi khóa chỉ được xuất hiện một lần")
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load(path: Path, shown_as: str | None = None) -> Any:
    """Parse one YAML file; a syntax error becomes a one-line ConfigError with its line."""
    name = shown_as or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"tệp không phải UTF-8 ({exc.reason})", file=name, fix="lưu lại tệp với mã UTF-8") from None
    except OSError as exc:  # a folder named like a file, a file we may not read
        raise ConfigError(f"không đọc được tệp ({type(exc).__name__})", file=name,
                          fix="đây phải là một tệp YAML đọc được") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except ConfigError as exc:
        raise exc.in_file(name) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(f"lỗi cú pháp YAML: {exc.problem or exc.context}", file=name, line=line,
                          fix="sửa cú pháp YAML ở dòng này (thụt lề, dấu hai chấm, dấu nháy)") from None
    except yaml.YAMLError as exc:  # e.g. a control character: the reader has no line to give
        raise ConfigError(f"không đọc được YAML: {exc}", file=name, fix="lưu lại tệp dạng văn bản YAML, mã UTF-8") from None


def line_of(document: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of `loc` (a pydantic error location) that the document has."""
    line = None
    node = document
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line
