"""Runs every rule case in ``tests/cases/*.yaml`` (OpenFisca-style: sentence names, input → expected lines).

A case file holds ``cases:``, each with ``name``, ``plan`` (items), optional ``overrides`` and ``expect``:

- ``lines``: expected lines; each is matched to the first unmatched actual line whose fields all agree
  (any key of the JSON line, plus ``notes_contain`` — a substring of one of its notes; ``decision`` — the
  registry's answer yes/no/unknown; ``line_warnings_contain`` — a substring of one of the line's warnings;
  ``tags_contain`` — one of its tags; ``trace_contain`` — a substring of its explanation;
  ``citation_not_contain`` — a text its citation must not contain);
- ``line_count``: the exact number of lines;
- ``sum``: ``[{item, kind, amount_yen}]`` — the sum of an item's lines of that kind;
- ``totals``: a subset of ``totals`` (JSON form);
- ``warnings_contain``: substrings that some warning must contain;
- ``errors``: ``[{item, field}]`` expected problems (then no lines may be produced).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kouiki.fiscal import evaluate

CASES = Path(__file__).resolve().parents[1] / "cases"


def _load() -> list[Any]:
    out = []
    for f in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        for i, case in enumerate(data["cases"]):
            out.append(pytest.param(case, id=f"{f.stem}[{i}] {case['name']}"))
    return out


def _matches(expected: dict[str, Any], line: dict[str, Any]) -> bool:
    for k, v in expected.items():
        if k == "notes_contain":
            if not any(v in n for n in line["notes"]):
                return False
        elif k == "parameters_contain":
            if v not in line["parameters"]:
                return False
        elif k == "decision":
            if (line.get("eligibility") or {}).get("decision") != v:
                return False
        elif k == "line_warnings_contain":
            if not any(v in w for w in line.get("warnings", [])):
                return False
        elif k == "tags_contain":
            if v not in line.get("tags", []):
                return False
        elif k == "trace_contain":
            if not any(v in t for t in line.get("trace") or []):
                return False
        elif k == "citation_not_contain":
            if v in line["citation"]:
                return False
        elif line.get(k) != v:
            return False
    return True


@pytest.mark.parametrize("case", _load())
def test_case(case: dict[str, Any]) -> None:
    result = evaluate(case["plan"], case.get("overrides"))
    out = result.to_dict(include_trace=True)
    exp = case["expect"]
    if "errors" in exp:
        got = [(e["item"], e["field"]) for e in out["errors"]]
        for e in exp["errors"]:
            assert (e["item"], e["field"]) in got, f"expected error {e} in {out['errors']}"
        assert out["lines"] == []
        return
    assert out["errors"] == [], out["errors"]
    lines = out["lines"]
    unused = list(range(len(lines)))
    for e in exp.get("lines", []):
        hit = next((i for i in unused if _matches(e, lines[i])), None)
        assert hit is not None, f"no line matches {e}; lines: {[{k: ln[k] for k in ('item', 'kind', 'fiscal_year', 'amount_yen', 'notes')} for ln in lines]}"
        unused.remove(hit)
    if "line_count" in exp:
        assert len(lines) == exp["line_count"]
    for s in exp.get("sum", []):
        total = sum(ln["amount_yen"] for ln in lines if ln["item"] == s["item"] and ln["kind"] == s["kind"])
        assert total == s["amount_yen"], f"sum of item {s['item']} {s['kind']}: {total} != {s['amount_yen']}"
    for k, v in exp.get("totals", {}).items():
        assert out["totals"][k] == v, f"totals.{k}: {out['totals'][k]} != {v}"
    for w in exp.get("warnings_contain", []):
        assert any(w in x["message"] for x in out["warnings"]), f"no warning contains {w!r}: {out['warnings']}"
