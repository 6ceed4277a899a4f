"""Errors of the fiscal engine (Japanese first; they name file, item/row and field)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kouiki.reference.errors import KouikiError, ParameterError

__all__ = ["ParameterError", "PlanError", "PlanIssue"]  # ParameterError: every capability's (reference.errors)


@dataclass(frozen=True)
class PlanIssue:
    """One problem of a plan: the item index (or None for the plan as a whole), field and message."""

    item: int | None
    field: str | None
    message: str
    row: int | None = None  # Excel row / source line where known

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"item": self.item, "field": self.field, "message": self.message}
        if self.row is not None:
            out["row"] = self.row
        return out

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"{self.row}行目")
        if self.item is not None:
            where.append(f"項目{self.item + 1}")
        if self.field:
            where.append(f"「{self.field}」")
        return ("".join(where) + ": " if where else "") + self.message


class PlanError(KouikiError, ValueError):
    """A malformed plan: every problem found, each naming the item and field. The plan is rejected whole."""

    def __init__(self, issues: list[PlanIssue], source: str | None = None):
        self.issues = issues
        self.source = source
        head = f"{source}: " if source else ""
        lines = "; ".join(str(i) for i in issues[:10])
        more = f" ほか{len(issues) - 10}件" if len(issues) > 10 else ""
        super().__init__(f"{head}計画に誤りがあります（{len(issues)}件）: {lines}{more}")
