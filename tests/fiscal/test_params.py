"""Parameter files: every value cited and tagged; the loader is strict; user overlays and overrides are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from kouiki.fiscal import ParameterError, evaluate, load_parameters
from kouiki.fiscal.catalogue import catalogue
from kouiki.fiscal.params import (
    CONFIDENCES,
    KOUIKI_DEFAULT,
    _load_package_file,
    apply_overrides,
    packaged,
    parse_override,
)
from kouiki.fiscal.plan import MEASURE_FIELDS


def test_every_value_has_a_citation_and_a_confidence() -> None:
    pset = load_parameters(include_user=False)
    assert len(pset.params) > 80
    for path, p in pset.params.items():
        assert p.values, path
        for v in p.values:
            assert v.citation.title.strip(), f"{path}@{v.year} has no citation title"
            assert v.citation.url or v.citation.seed or v.citation.title.startswith(KOUIKI_DEFAULT), (
                f"{path}@{v.year} has neither url nor seed heading"
            )
            if v.confidence == "gap":
                assert v.citation.seed is None, f"{path}@{v.year}: a gap default carries a seed citation"
                assert v.citation.title.startswith(KOUIKI_DEFAULT), f"{path}@{v.year}: a gap default cites kouiki's rule"
            assert v.confidence in CONFIDENCES, path
        if p.known_end is not None:
            assert p.known_end.citation.title


def test_every_plan_measure_has_a_parameter_file_and_in_force() -> None:
    pset = packaged()
    for m in MEASURE_FIELDS:
        assert m in pset.measures, m
        assert f"{m}.in_force" in pset.params or m == "facility_bond", m
    for cat in ("consolidation", "demolition_after_consolidation", "longevity", "conversion", "location",
                "universal_design", "decarbonization", "demolition"):
        assert f"facility_bond.{cat}.in_force" in pset.params


def test_seed_values_are_as_the_seed_says() -> None:
    p = packaged()
    assert p.at("comprehensive_neighbor.cap", 2013).value == 10_000_000  # type: ignore[union-attr]
    assert p.at("comprehensive_neighbor.cap", 2014).value == 15_000_000  # type: ignore[union-attr]
    assert p.at("comprehensive_neighbor.cap", 2021).value == 18_000_000  # type: ignore[union-attr]
    assert p.at("comprehensive_central.base_cap", 2014).value == 85_000_000  # type: ignore[union-attr]
    assert p.at("consolidation_smoothing.cap", 2025).value == 50_000_000  # type: ignore[union-attr]
    assert str(p.at("facility_bond.consolidation.allocation_tax_rate", 2025).value) == "0.5"  # type: ignore[union-attr]
    assert p.at("consolidation_study.rate", 2024) is None


HEADER = """measure: demo
label: デモ
framework: 共通
kinds: [special_allocation_tax]
description: テスト
sources:
  s: {title: 出典, url: "https://example.org"}
parameters:
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  rate:\n    label: 率\n    unit: rate\n    values:\n      2025: {value: '0.5', confidence: confirmed}\n", "出典"),
        ("  rate:\n    label: 率\n    unit: rate\n    values:\n      2025: {value: '0.5', confidence: confirmed, citation: s}\n      2025: {value: '0.6', confidence: confirmed, citation: s}\n", "重複"),
        ("  rate:\n    label: 率\n    unit: rate\n    values:\n      20255: {value: '0.5', confidence: confirmed, citation: s}\n", "年度"),
        ("  rate:\n    label: 率\n    unit: rate\n    values:\n      2025: {value: '1.5', confidence: confirmed, citation: s}\n", "率は0以上1以下"),
        ("  rate:\n    label: 率\n    unit: rate\n    values:\n      2025: {value: '0.5', confidence: sure, citation: s}\n", "confidence"),
        ("  rate:\n    label: 率\n    unit: rate\n    values:\n      2025: {value: '0.5', confidence: confirmed, citation: nope}\n", "sources"),
        ("  cap:\n    label: 上限\n    unit: yen\n    values:\n      R7: {value: 12.5, confidence: confirmed, citation: s}\n", "整数"),
    ],
)
def test_strict_loader_names_file_and_parameter(body: str, message: str) -> None:
    with pytest.raises(ParameterError) as exc:
        _load_package_file(HEADER + body, "parameters/demo.yaml")
    assert "parameters/demo.yaml" in str(exc.value)
    assert message in str(exc.value)


def test_wareki_and_date_keys_are_accepted() -> None:
    body = "  cap:\n    label: 上限\n    unit: yen\n    values:\n      R3: {value: 1, confidence: confirmed, citation: s}\n      '2026-01-10': {value: 2, confidence: gap, citation: s}\n"
    _info, params = _load_package_file(HEADER + body, "parameters/demo.yaml")
    assert [v.year for v in params[0].values] == [2021, 2025]


def _user_file(data_dir: Path, text: str, name: str = "r8.yaml") -> Path:
    folder = data_dir / "parameters"
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / name
    f.write_text(text, encoding="utf-8")
    return f


USER_R8 = """measure: consolidation_study
parameters:
  cap:
    values:
      2026: {value: 6000000, confidence: confirmed, citation: {title: 令和8年度 特別交付税通知（仮）, url: "https://example.org/r8"}}
"""


def test_user_overlay_is_validated_applied_and_shown(_isolated_data_dir: Path) -> None:
    _user_file(_isolated_data_dir, USER_R8)
    plan = {"items": [
        {"measure": "consolidation_study", "municipality": "292044", "fiscal_year": y, "cost_yen": 20_000_000,
         "partner_bodies": ["293229"]} for y in (2025, 2026)
    ]}
    r = evaluate(plan)
    assert [ln.amount_yen for ln in r.lines] == [5_000_000, 6_000_000]
    assert any("利用者が追加した値" in w["message"] for w in r.warnings)
    cat = {m["measure"]: m for m in catalogue()}
    cap = next(p for p in cat["consolidation_study"]["parameters"] if p["path"] == "consolidation_study.cap")
    assert cap["user_supplied"] is True
    assert cap["current"]["origin"] == "user"


def test_user_overlay_with_unknown_parameter_is_an_error_naming_the_file(_isolated_data_dir: Path) -> None:
    f = _user_file(_isolated_data_dir, USER_R8.replace("  cap:", "  capp:"))
    with pytest.raises(ParameterError) as exc:
        load_parameters()
    assert str(f) in str(exc.value)
    assert "consolidation_study.capp" in str(exc.value)
    assert "consolidation_study.cap" in str(exc.value)  # suggestion


def test_user_overlay_without_citation_is_refused(_isolated_data_dir: Path) -> None:
    _user_file(_isolated_data_dir, "measure: consolidation_study\nparameters:\n  cap:\n    values:\n      2026: {value: 1, confidence: confirmed}\n")
    with pytest.raises(ParameterError, match="出典"):
        load_parameters()


def test_overrides_are_validated() -> None:
    assert parse_override("consolidation_study.cap@R7=6,000,000") == ("consolidation_study.cap", 2025, "6,000,000")
    pset, labels = apply_overrides(packaged(), ["consolidation_study.cap@2025=6000000"])
    assert pset.at("consolidation_study.cap", 2025).value == 6_000_000  # type: ignore[union-attr]
    assert packaged().at("consolidation_study.cap", 2025).value == 5_000_000  # type: ignore[union-attr]
    assert labels == ["consolidation_study.cap@2025=6000000"]
    with pytest.raises(ParameterError, match=r"consolidation_study\.capp"):
        apply_overrides(packaged(), ["consolidation_study.capp@2025=1"])
    with pytest.raises(ParameterError, match="率は0以上1以下"):
        apply_overrides(packaged(), {"consolidation_study.rate@2025": "1.5"})
    with pytest.raises(ParameterError, match="PATH@年度=値"):
        apply_overrides(packaged(), ["consolidation_study.rate=0.4"])


def test_override_from_a_later_year_changes_only_later_years() -> None:
    plan = [{"measure": "hospital_clinic_cooperation", "municipality": "282278", "fiscal_year": y, "cost_yen": 20_000_000}
            for y in (2025, 2026)]
    r = evaluate(plan, {"hospital_clinic_cooperation.cap@2026": 9_000_000})
    assert [ln.amount_yen for ln in r.lines] == [8_000_000, 9_000_000]
    assert r.scenario == ["hospital_clinic_cooperation.cap@2026=9000000"]


def test_batch_mode_keeps_totals_and_aggregates_warnings() -> None:
    plan = [{"measure": "comprehensive_neighbor", "municipality": c, "fiscal_year": 2025, "cost_yen": 20_000_000,
             "has_vision": True} for c in ("282278", "284815", "285013")]
    full = evaluate(plan)
    batch = evaluate(plan, trace=False, totals_only=True)
    assert batch.lines == []
    assert batch.totals.to_dict() == full.totals.to_dict()
    assert len(full.warnings) == 3
    (w,) = batch.warnings
    assert w["items"] == 3 and w["message"] == full.warnings[0]["message"]


def test_every_parameter_has_a_value_from_the_year_its_measure_begins() -> None:
    """A measure in force in a 年度 must find every one of its parameters (no None inside a rule)."""
    pset = packaged()
    for path, p in pset.params.items():
        if not path.endswith(".in_force"):
            continue
        prefix = path[: -len("in_force")]
        start = p.values[0].year
        for other, q in pset.params.items():
            if other.startswith(prefix) and other != path:
                assert q.values[0].year <= start, f"{other} starts {q.values[0].year}, after {path} ({start})"
