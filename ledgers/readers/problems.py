"""Problems found in an input file, collected as values and reported together (beancount style)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
# placements files (list and SSDA903): after a shift any cell may hold a child reference, so none is echoed
NOT_SHOWN = "(not shown: a placements file may hold a child reference in any column)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (error) or doubtful (warning) at a file, row and column."""

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        col = f" column '{self.column}':" if self.column else ""
        return f"{where}:{col} {self.message}"


class ImportFailed(Exception):
    """Raised with every error of a file at once; nothing of that file is stored."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = [p for p in problems if p.severity == ERROR]
        super().__init__(self.summary())

    def summary(self, limit: int = 200) -> str:
        shown = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problems")
        return f"{len(self.problems)} problem(s), nothing imported:\n" + "\n".join(shown)


class WorkspaceError(Exception):
    """A workspace-level problem an officer can act on (missing settings, busy store, wrong schema)."""
