"""Property tests: the importer reads back what an e-Stat-layout file says; eligibility is three-valued."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kouiki.formation.census import DaytimeFigure
from kouiki.formation.central import FAIL, PASS, UNKNOWN, Criterion, decide
from kouiki.formation.estat import import_census
from kouiki.reference import registry
from tests.hypothesis_budget import examples

CODES = [b.code5 for b in registry().municipalities() if b.kind.is_city][:300]
cell = st.one_of(st.integers(min_value=1, max_value=3_000_000).map(str), st.sampled_from(["-", "x", "…", "***"]))


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CODES), cell, cell), min_size=1, max_size=25, unique_by=lambda t: t[0]))
def test_daytime_table_round_trip(rows: list[tuple[str, str, str]]) -> None:
    lines = ['"令和２年国勢調査　従業地・通学地による人口・就業状態等集計"',
             ',,,"夜間人口（常住人口）","昼間人口"', '"地域識別番号","地域コード","地域名","総数","総数"']
    lines += [f'"2","{c}","名","{night}","{day}"' for c, night, day in rows]
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "t.csv"
        f.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
        r = import_census(f, "daytime")
    figs = {fig.code[:5]: fig for fig in r.figures if isinstance(fig, DaytimeFigure)}
    assert set(figs) == {c for c, _n, _d in rows}
    for c, night, day in rows:
        fig = figs[c]
        assert fig.night_population == (int(night) if night.isdigit() else None)
        assert fig.daytime_population == (int(day) if day.isdigit() else None)
        if night.isdigit() and day.isdigit():
            assert fig.ratio == Decimal(int(day)) / Decimal(int(night))  # exact, not rounded
        else:
            assert fig.ratio is None  # suppressed → unknown, never zero
    suppressed = sum(1 for _c, n, d in rows for v in (n, d) if not v.isdigit())
    assert len(r.skipped) == suppressed


@given(st.lists(st.tuples(st.sampled_from([PASS, FAIL, UNKNOWN]), st.booleans()), max_size=8))
def test_eligibility_is_decided_by_blocking_criteria_only(spec: list[tuple[str, bool]]) -> None:
    crit = [Criterion(id=f"c{i}", label="", value=None, threshold="", result=res, source=None, year=None,  # type: ignore[arg-type]
                      blocking=blk) for i, (res, blk) in enumerate(spec)]
    blocking = [c.result for c in crit if c.blocking]
    expected = False if FAIL in blocking else (None if UNKNOWN in blocking else True)
    assert decide(crit) is expected
