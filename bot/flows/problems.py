"""A problem found in a flow file, located by file, line, node and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One defect in a flow, worded for the coordinator who has to fix it."""

    file: str
    line: int
    node: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.node:
            where += f" node '{self.node}'"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.message}"


class FlowError(Exception):
    """Raised when flows cannot be loaded; carries every problem found, sorted."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
