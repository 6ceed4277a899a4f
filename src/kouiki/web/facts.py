"""Packaged census facts shown on the 中心市チェック page (昼夜間人口比率 with its source)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import Any

from kouiki.reference import codes


@cache
def _daytime() -> dict[str, dict[str, Any]]:
    path = resources.files("kouiki.reference").joinpath("data/census_flows/daytime_ratio.csv")
    out: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("daytime_ratio"):
                out[row["code6"]] = {"ratio": row["daytime_ratio"], "census_year": int(row["census_year"]),
                                     "source_url": row.get("source_url") or None}
    return out


def daytime_ratio(code: str) -> dict[str, Any] | None:
    """昼夜間人口比率 (as a string, exact) with census year and source, or None when not packaged."""
    return _daytime().get(codes.normalize(code))
