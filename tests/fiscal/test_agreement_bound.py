"""A member whose 協定締結日 is unknown but bounded by a source (``agreement_by``, 「遅くとも…までに締結」): a member
in the 年度 after the bound, 不明 before it, and the bound stands on the line (CLI text, JSON, web)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.fiscal import FiscalContext, evaluate
from kouiki.fiscal.eligibility import Decision, membership, teiju_eligibility
from kouiki.reference.regions import Member, Region, RegionError, Role, bundled_regions, load_regions

runner = CliRunner()
OSAKI = "464686"  # 大崎町, 大隅定住自立圏: the 県 list gives the region's 協定 as 「平成21年10月6日・7日」 only
BOUND = "大崎町の大隅定住自立圏への協定締結日は不明。遅くとも平成21年10月7日（出典: 鹿児島県「定住自立圏構想について」"


def _osumi() -> tuple[Region, Member]:
    region = next(r for r in bundled_regions() if r.id == "osumi")
    member = next(m for m in region.members if m.code == OSAKI)
    assert member.agreement_date is None and member.agreement_by == dt.date(2009, 10, 7)
    return region, member


def test_a_year_after_the_bound_is_a_member_and_says_the_date_is_unknown() -> None:
    region, member = _osumi()
    d, reason, source, warnings = membership(region, member, 2010)
    assert d is Decision.YES
    assert BOUND in reason and "鹿児島県" in source
    assert any(BOUND in w and "平成22年度は構成団体として判定" in w for w in warnings)
    e = teiju_eligibility(OSAKI, 2010, Role.NEIGHBOR)
    assert e.decision is Decision.YES and any(BOUND in w for w in e.warnings)


def test_the_year_containing_the_bound_is_a_member_with_a_gap_warning() -> None:
    region, member = _osumi()
    d, _reason, _source, warnings = membership(region, member, 2009)
    assert d is Decision.YES
    assert any("平成21年度の途中に加わった可能性があります" in w and "不明・GAP" in w for w in warnings)


def test_a_year_before_the_bound_stays_unknown_and_names_the_bound() -> None:
    region, member = _osumi()
    d, reason, _source, _w = membership(region, member, 2008)
    assert d is Decision.UNKNOWN
    assert BOUND in reason and "平成20年度に構成団体であったかは確認できません" in reason


def _bounded_region(by: str = "2016-10-31") -> Region:
    """天理市 and 川西町 with a vision over every 年度 tested, the 協定 date unknown but bounded."""
    (region,) = load_regions({"regions": [{
        "id": "test-bound", "name": "試験用定住自立圏", "central": ["292044"], "declaration_date": "2014-12-22",
        "members": [{"code": "292044", "role": "central"},
                    {"code": "293610", "role": "neighbor", "agreement_by": by,
                     "agreement_by_note": "町のページが「平成28年10月」に締結とする（その月の末日）",
                     "agreement_by_source": {"title": "川西町「定住自立圏」", "url": "https://example.jp/k",
                                             "as_of": "2020-04-01"}}],
        "visions": [{"title": "共生ビジョン", "start_fiscal_year": 2015, "end_fiscal_year": 2030}],
    }]})
    return region


def test_the_whole_gate_with_a_vision_in_force_answers_by_the_bound() -> None:
    regions = [_bounded_region()]
    before = teiju_eligibility("293610", 2015, Role.NEIGHBOR, regions)
    assert before.decision is Decision.UNKNOWN
    assert "協定締結日は不明。遅くとも平成28年10月31日（出典: 川西町「定住自立圏」）までに締結" in before.reason
    after = teiju_eligibility("293610", 2017, Role.NEIGHBOR, regions)
    assert after.decision is Decision.YES and "https://example.jp/k" in after.source
    # without the bound the same body is 不明 in every 年度
    data = regions[0].model_dump(mode="json")
    data["members"][1].update(agreement_by=None, agreement_by_note=None, agreement_by_source=None)
    plain = Region.model_validate(data)
    assert teiju_eligibility("293610", 2017, Role.NEIGHBOR, [plain]).decision is Decision.UNKNOWN


def test_the_amount_follows_and_the_line_carries_the_bound() -> None:
    plan = [{"measure": "hospital_clinic_cooperation", "municipality": "293610", "fiscal_year": fy,
             "cost_yen": 10_000_000} for fy in (2015, 2017)]
    result = evaluate(plan, context=FiscalContext(regions=[_bounded_region()]))
    # 平成27年度 is 不明: the plan must then say has_vision itself (refused, naming the item), never a silent amount
    assert result.lines == [] and result.errors and "遅くとも平成28年10月31日" in str(result.errors[0])
    plan[0]["has_vision"] = True
    by_year = {ln.fiscal_year: ln for ln in evaluate(plan, context=FiscalContext(regions=[_bounded_region()])).lines}
    assert by_year[2015].eligibility["decision"] == "unknown"
    assert any("圏域の登録では確認できません" in w and "遅くとも平成28年10月31日" in w for w in by_year[2015].warnings)
    assert by_year[2017].amount_yen == 8_000_000 and by_year[2017].eligibility["decision"] == "yes"
    assert any("遅くとも平成28年10月31日" in w for w in by_year[2017].warnings)


def test_the_cli_shows_the_bound_on_the_line_in_text_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOUIKI_DATA_DIR", str(tmp_path / "data"))
    p = tmp_path / "plan.yaml"
    p.write_text(f'items:\n  - {{measure: hospital_clinic_cooperation, municipality: "{OSAKI}", fiscal_year: H22, '
                 "cost_yen: 10000000}\n", encoding="utf-8")
    res = runner.invoke(app, ["fiscal", "evaluate", str(p), "--json"])
    assert res.exit_code == 0, res.output
    (line,) = json.loads(res.stdout)["lines"]
    assert line["amount_yen"] == 8_000_000 and line["eligibility"]["decision"] == "yes"
    assert any(BOUND in w for w in line["warnings"])
    human = runner.invoke(app, ["fiscal", "evaluate", str(p)])
    flat = re.sub(r"[\s│┃║]", "", human.output)
    assert BOUND.replace(" ", "") in flat and "agreement_by" not in human.output


@pytest.mark.parametrize(("change", "words"), [
    ({"agreement_by_source": None}, "出典"),
    ({"agreement_by_note": None}, "理由"),
    ({"agreement_by": "2020-04-02"}, "出典の時点"),
    ({"agreement_date": "2016-11-01"}, "より後です"),
    ({"agreement_by": "2014-12-01"}, "中心市宣言"),
])
def test_a_bound_needs_a_source_a_reason_and_must_fit_the_other_dates(change: dict[str, object], words: str) -> None:
    data = _bounded_region().model_dump(mode="json")
    data["members"][1].update(change)
    with pytest.raises(RegionError, match=words):
        load_regions({"regions": [data]})
