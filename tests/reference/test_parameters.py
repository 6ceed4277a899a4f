"""The one parameter loader (kouiki.reference.parameters): dated values, citations, user overlays, errors naming
the file and the line — for every capability's files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kouiki.reference.parameters import (
    KOUIKI_DEFAULT,
    Catalogue,
    ParameterError,
    ParameterSet,
    load,
    load_package_file,
)

DEMO = """measure: demo
label: 試しの規則
description: 年度で変わる値
sources:
  web: {title: 例の通知, url: "https://example.org/r7"}
parameters:
  limit:
    label: 上限
    unit: yen
    values:
      2020: {value: 100, confidence: confirmed, citation: web}
      R7: {value: 150, confidence: unverified, citation: web}
  rules:
    speed:
      label: 速度
      unit: decimal
      values:
        2020: {value: "4.8", confidence: gap, citation: {title: "kouiki の既定値 — 例"}}
"""


def _set(text: str = DEMO) -> ParameterSet[object]:
    header, params = load_package_file(text, "demo/demo.yaml", Catalogue("facilities"))
    return ParameterSet({p.path: p for p in params}, {header.id: header}, [])


def test_values_are_dated_by_fiscal_year() -> None:
    pset = _set()
    assert pset.at("demo.limit", 2019) is None  # before the first dated value
    assert pset.value("demo.limit", 2024) == 100
    assert pset.value("demo.limit", 2025) == 150  # R7 = 2025年度
    assert pset.value("demo.limit") == 150  # no year: the latest dated value
    with pytest.raises(ParameterError, match="2019年度の値がありません"):
        pset.value("demo.limit", 2019)
    assert pset.at("demo.limit", 2025).citation.url == "https://example.org/r7"  # type: ignore[union-attr]
    assert pset.tree("demo", 2024) == {"limit": 100, "rules": {"speed": Decimal("4.8")}}


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("      R7: {value: -1, confidence: unverified, citation: web}", ["0以上の整数", "demo.limit@2025", "12行目"]),
        ("      R7: {value: 150, confidence: sure, citation: web}", ["confidence", "12行目"]),
        ("      R7: {value: 150, confidence: unverified}", ["出典", "demo.limit@2025"]),
        ("      R7: {value: 150, confidence: unverified, citation: nowhere}", ["nowhere", "sources"]),
        ("      X7: {value: 150, confidence: unverified, citation: web}", ["年度のキー", "X7"]),
        ("      2020: {value: 150, confidence: unverified, citation: web}", ["重複", "12行目"]),
    ],
)
def test_errors_name_the_file_the_line_and_the_parameter(bad: str, words: list[str]) -> None:
    lines = DEMO.split("\n")
    assert lines[11].startswith("      R7:")
    text = "\n".join([*lines[:11], bad, *lines[12:]])
    with pytest.raises(ParameterError) as exc:
        load_package_file(text, "demo/demo.yaml", Catalogue("facilities"))
    assert "demo/demo.yaml" in str(exc.value)
    for w in words:
        assert w in str(exc.value)


def test_a_value_without_a_public_source_must_say_it_is_a_kouiki_default() -> None:
    text = DEMO.replace('{title: "kouiki の既定値 — 例"}', "{title: 何かの資料}")
    with pytest.raises(ParameterError, match="url か seed"):
        load_package_file(text, "demo/demo.yaml", Catalogue("facilities"))
    ok = DEMO.replace('{title: "kouiki の既定値 — 例"}', "{title: 何かの資料, ref: domain-facts.md §6.2}")
    assert load_package_file(ok, "demo/demo.yaml", Catalogue("facilities"))[1]


def _user(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / name
    f.write_text(text, encoding="utf-8")
    return f


HORIZON_2030 = """measure: renewal
parameters:
  horizon_years:
    values:
      2030: {value: 30, confidence: confirmed, citation: {title: 当市の総合管理計画（改訂）, url: "https://example.org/plan"}}
"""


def test_a_user_file_overlays_the_capability_that_owns_its_measure(tmp_path: Path) -> None:
    f = _user(tmp_path, "horizon.yaml", HORIZON_2030)
    pset = load("facilities", user_dir=tmp_path)
    assert pset.user_files == [str(f)]
    assert pset.value("renewal.horizon_years", 2029) == 40  # packaged
    assert pset.value("renewal.horizon_years", 2030) == 30  # the user's, from 2030年度
    assert pset.at("renewal.horizon_years", 2030).origin == "user"  # type: ignore[union-attr]
    # the other capabilities leave the file alone (it is not theirs), fiscal included
    from kouiki.fiscal.params import load_parameters

    assert load_parameters(tmp_path).user_files == []
    assert load("optimize", user_dir=tmp_path).user_files == []


def test_a_user_file_is_checked_like_a_packaged_one(tmp_path: Path) -> None:
    f = _user(tmp_path, "h.yaml", HORIZON_2030.replace("horizon_years", "horizon_yaers"))
    with pytest.raises(ParameterError) as exc:
        load("facilities", user_dir=tmp_path)
    assert str(f) in str(exc.value) and "renewal.horizon_years" in str(exc.value)  # the file and a suggestion
    f.write_text(HORIZON_2030.replace("value: 30", "value: thirty"), encoding="utf-8")
    with pytest.raises(ParameterError, match="数値ではありません"):
        load("facilities", user_dir=tmp_path)


def test_the_registered_user_folder_reaches_the_engines(_isolated_data_dir: Path) -> None:
    from kouiki.facilities.params import horizon_years
    from kouiki.facilities.renewal import RenewalParameters

    assert horizon_years() == 40
    _user(_isolated_data_dir / "parameters", "horizon.yaml", HORIZON_2030)
    assert horizon_years() == 30  # the latest dated value: the user's
    assert RenewalParameters.load().horizon_years == 30


def test_every_capability_file_loads_and_every_value_is_cited() -> None:
    seen: dict[str, str] = {}
    for cap in ("fiscal", "facilities", "optimize", "staffing", "formation"):
        if cap == "fiscal":
            from kouiki.fiscal.params import packaged

            pset: ParameterSet[object] = packaged()  # type: ignore[assignment]
        else:
            pset = load(cap, include_user=False)  # type: ignore[assignment]
        for mid in pset.measures:
            assert mid not in seen, f"{mid} is a file of {seen.get(mid)} and of {cap}: a user file could not say which"
            seen[mid] = cap
        for path, p in pset.params.items():
            for v in p.values:
                c = v.citation
                assert c.url or c.seed or c.ref or c.title.startswith(KOUIKI_DEFAULT), f"{cap} {path}@{v.year}"
    assert {"renewal", "travel", "optimize", "consolidation_study"} <= set(seen)


def test_a_whole_copy_of_formation_yaml_is_left_to_formation(tmp_path: Path) -> None:
    # formation's users may place a whole copy of its rule tables (no measure:) — read whole by formation's CLI/web
    _user(tmp_path, "formation.yaml", "version: '2025-04-01'\ncentral_city: {}\n")
    assert load("formation", user_dir=tmp_path).user_files == []
    assert load("facilities", user_dir=tmp_path).user_files == []
    # a value overlay with measure: formation is formation's, like any capability's
    f = _user(tmp_path, "formation_r8.yaml", """measure: formation
parameters:
  version:
    values:
      2026: {value: "2026-04-01", confidence: unverified, citation: {title: 要綱の改正（仮）, url: "https://example.org/y"}}
""")
    pset = load("formation", user_dir=tmp_path)
    assert pset.user_files == [str(f)] and pset.value("formation.version") == "2026-04-01"


def test_a_file_glossary_is_checked_and_reaches_the_listing() -> None:
    from kouiki.reference.parameters import listing

    glossary = DEMO.replace("sources:", "labels:\n  at_age: 経過年数\n  great_circle_km: 大圏距離\nsources:", 1)
    header, _ = load_package_file(glossary, "demo/demo.yaml", Catalogue("facilities"))
    assert header.labels == {"at_age": "経過年数", "great_circle_km": "大圏距離"}
    bad = DEMO.replace("sources:", "labels:\n  at_age: [経過年数]\nsources:", 1)
    with pytest.raises(ParameterError, match="labels"):
        load_package_file(bad, "demo/demo.yaml", Catalogue("facilities"))
    # the packaged files: a table keeps its structure (no JSON text) and its file's glossary goes with it
    staffing = {m["measure"]: m for m in listing("staffing")}["staffing"]
    agreement = next(p for p in staffing["parameters"] if p["path"] == "staffing.agreement")
    assert isinstance(agreement["current"]["value"], dict)
    assert staffing["labels"]["required_contents"] == "連携協約に定める事項"


def test_every_key_and_code_of_a_rule_table_has_its_japanese_word() -> None:
    """What the parameters page shows of every non-fiscal file reads without an identifier (tests/web/leaks.py)."""
    import sys

    from kouiki.reference.parameters import listing
    from kouiki.reports import words

    sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
    from leaks import leaks

    for cap in ("facilities", "optimize", "formation", "staffing"):
        for m in listing(cap):
            for p in m["parameters"]:
                for v in p["values"]:
                    shown = [*words.parameter_lines(p["unit"], v["value"], m["labels"], p["path"]),
                             words.glossary_text(p["label"], m["labels"]),
                             words.fiscal_text(words.glossary_text(v["citation"]["title"], m["labels"])),
                             words.fiscal_text(words.glossary_text(v["note"] or "", m["labels"]))]  # as the page
                    assert not leaks("\n".join(shown)), (p["path"], leaks("\n".join(shown)))
