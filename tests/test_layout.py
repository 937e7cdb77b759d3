"""The architecture holds: dependencies point one way, and every command explains itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from kiemtra.cli import main

REPO = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "checks": {"kiemtra", "configuration", "crawler", "evidence", "office", "demoworld", "playwright", "scrapy",
               "sqlite_utils", "sqlite3", "requests", "urllib.request", "httpx", "socket"},
    "evidence": {"kiemtra.cli", "kiemtra.commands", "crawler", "office", "demoworld", "playwright", "scrapy"},
    "configuration": {"kiemtra.cli", "kiemtra.commands", "crawler", "evidence", "office", "demoworld", "playwright",
                      "scrapy"},
    "office": {"kiemtra.cli", "kiemtra.commands", "crawler", "demoworld", "playwright", "scrapy"},
    "crawler": {"kiemtra.cli", "kiemtra.commands", "demoworld"},
    "kiemtra": {"demoworld"},
}
MAY_IMPORT_DEMOWORLD = {"kiemtra/commands/world.py"}


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_point_one_way(package):
    bad = []
    for path in sorted((REPO / package).rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        for name in imports_of(path):
            for forbidden in FORBIDDEN[package]:
                if (name == forbidden or name.startswith(forbidden + ".")) and relative not in MAY_IMPORT_DEMOWORLD:
                    bad.append(f"{relative} imports {name}")
    assert bad == []


# The visiting side touches the paperwork in two places only: a service's catalogue match (R5) before its
# check, and the harvest spider, which validates and stores procedures exactly as a file import does.
CRAWLER_MAY_IMPORT_FROM_OFFICE = {"office.matching", "office.catalogue_import"}


def test_the_crawler_touches_the_office_only_for_the_catalogue():
    bad = [f"{path.relative_to(REPO).as_posix()} imports {name}"
           for path in sorted((REPO / "crawler").rglob("*.py")) for name in imports_of(path)
           if (name == "office" or name.startswith("office.")) and name not in CRAWLER_MAY_IMPORT_FROM_OFFICE]
    assert bad == []

def test_config_folder_holds_no_code():
    assert not [p for p in (REPO / "config").rglob("*") if p.suffix in (".py", ".sh", ".js")]


def walk(command: click.Command, prefix: str = "kiemtra"):
    yield prefix, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, f"{prefix} {name}")


def test_every_command_has_help_with_an_example():
    missing = []
    for name, command in walk(main):
        if isinstance(command, click.Group):
            if not (command.help or "").strip():
                missing.append(f"{name}: no help")
            continue
        if "Example" not in (command.help or ""):
            missing.append(f"{name}: no example")
        for param in command.params:
            if isinstance(param, click.Option) and not param.help:
                missing.append(f"{name} {param.opts[0]}: no help")
    assert missing == []


def test_every_setting_has_help():
    from configuration.settings import describe

    assert all(help_text for _, _, help_text in describe())


ROOMS = ("kiemtra", "configuration", "crawler", "checks", "evidence", "office")


def module_graph() -> dict[str, set[str]]:
    """Each of the product's modules and the product modules it imports (function-level imports too)."""
    modules = {}
    for room in ROOMS:
        for path in (REPO / room).rglob("*.py"):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {owner(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from package import module` depends on the module, `from module import name` on the module
                targets |= {owner(f"{node.module}.{alias.name}") if f"{node.module}.{alias.name}" in modules
                            else owner(node.module) for alias in node.names}
        graph[name] = {target for target in targets if target and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each a cycle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle():
    graph = module_graph()
    assert len(graph) > 50
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# Only evidence/ holds SQL or touches the connection; the others call its f(store, ...) functions.
OUTSIDE_EVIDENCE = ("kiemtra", "configuration", "crawler", "office")
DATABASE_USES = (".db.execute", ".db[", ".db.query", ".db.conn")


def test_only_evidence_touches_the_database():
    sql_upper = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET|WHERE)\b|CREATE TABLE")
    # The store's own SQL is lowercase; these shapes do not occur in prose or help text.
    sql_lower = re.compile(r"\bselect\b.+\bfrom\b|\binsert (or \w+ )?into\b|\bupdate \w+ set\b|\bdelete from\b"
                           r"|\bcreate (table|index)\b")
    bad = []
    for package in OUTSIDE_EVIDENCE:
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            source = path.read_text(encoding="utf-8")
            bad += [f"{relative} uses {use}" for use in DATABASE_USES if use in source]
            bad += [f"{relative} imports {name}" for name in imports_of(path)
                    if name.split(".")[0] in ("sqlite3", "sqlite_utils")]
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Attribute) and node.attr == "db":   # store.db: the connection itself
                    bad.append(f"{relative}:{node.lineno} reaches into the store's database (.db)")
                elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and (sql_upper.search(node.value) or sql_lower.search(node.value)):
                    bad.append(f"{relative}:{node.lineno} has SQL: {node.value[:60]!r}")
    assert bad == []
