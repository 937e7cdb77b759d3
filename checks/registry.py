"""Declaring checks: one decorated function each, registered by the decorator and nothing else.

    @registry.check("P-A10-INTRO", rule="ND43 Art.10.1.a", points=6, groups=("bo", "tinh"))
    def introduction(portal: PortalObservation) -> Result:
        '''The portal introduces the agency: organisation, functions, leaders.'''

Ids are permanent: a retired id is never reused (keep it in `retired`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from checks.result import Result

CheckFunction = Callable[..., Result]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    rule: str
    points: float
    groups: tuple[str, ...]
    summary: str
    doc: str
    function: CheckFunction

    def run(self, *args: Any, points: float | None = None, **kwargs: Any) -> Result:
        return self.function(*args, **kwargs).with_spec(self.id, self.points if points is None else points)


class Registry:
    """A family of checks (portal criteria, service-level rules...)."""

    def __init__(self, name: str, retired: tuple[str, ...] = ()) -> None:
        self.name = name
        self.retired = set(retired)
        self._specs: dict[str, CheckSpec] = {}

    def check(self, id: str, *, rule: str, points: float = 0.0,
              groups: tuple[str, ...] = ("bo", "cqtcp", "tinh")) -> Callable[[CheckFunction], CheckFunction]:
        def register(function: CheckFunction) -> CheckFunction:
            if id in self._specs or id in self.retired:
                raise ValueError(f"{self.name}: check id {id} is already used or retired")
            doc = (function.__doc__ or "").strip()
            if not doc:
                raise ValueError(f"{self.name}: check {id} needs a docstring")
            self._specs[id] = CheckSpec(id, rule, points, groups, doc.splitlines()[0], doc, function)
            return function
        return register

    def __iter__(self) -> Iterator[CheckSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, id: str) -> CheckSpec:
        return self._specs[id]
