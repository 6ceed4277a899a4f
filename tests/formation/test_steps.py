"""Recording the next formation step on a region (kouiki.formation.steps): pure, validated by the Region model."""

from __future__ import annotations

import datetime as dt

import pytest

from kouiki.formation.steps import StepError, StepInput, next_steps, record_step
from kouiki.reference.regions import Region, RegionType


def _merged(policy: dict[str, str] | None = None) -> Region:
    return Region.model_validate({"id": "m", "name": "合併1市圏域", "type": "single_merged", "central": ["022021"],
                                  "members": [{"code": "022021", "role": "central"}], "formation_policy": policy})


def _standard() -> Region:
    return Region.model_validate({"id": "s", "name": "試験圏域", "central": ["022021"],
                                  "members": [{"code": "022021", "role": "central"},
                                              {"code": "023612", "role": "neighbor"}]})


def test_steps_in_order_on_a_standard_region() -> None:
    r = _standard()
    assert [n["step"] for n in next_steps(r)] == ["declaration", "agreement", "vision"]
    r = record_step(r, StepInput("declaration", dt.date(2011, 3, 23), source_title="弘前市 中心市宣言"))
    assert r.declaration_date == dt.date(2011, 3, 23) and r.declaration_source is not None
    r = record_step(r, StepInput("agreement", dt.date(2011, 12, 13), member="藤崎町",
                                 member_vote_date=dt.date(2011, 12, 9)))
    assert r.members[1].agreement_date == dt.date(2011, 12, 13) and r.members[1].member_vote_date == dt.date(2011, 12, 9)
    assert [n["step"] for n in next_steps(r)] == ["vision"]
    with pytest.raises(StepError, match="最初の形成協定"):  # the model's ordering rule
        record_step(r, StepInput("vision", dt.date(2011, 6, 1), title="早すぎるビジョン"))
    r = record_step(r, StepInput("vision", dt.date(2012, 3, 30), title="共生ビジョン", start_fiscal_year=2012,
                                 end_fiscal_year=2016))
    assert r.has_vision(2014) is True


@pytest.mark.parametrize(("step", "match"), [
    (StepInput("agreement", dt.date(2011, 12, 13), member="黒石市"), "近隣市町村ではありません"),
    (StepInput("agreement", dt.date(2011, 12, 13)), "団体"),
    (StepInput("vision", dt.date(2012, 3, 30), title=" "), "ビジョン名"),
    (StepInput("vision", dt.date(2012, 3, 30), title="v", start_fiscal_year=2016, end_fiscal_year=2012), "終了年度"),
    (StepInput("policy", dt.date(2012, 3, 30)), "合併1市圏域だけ"),
    (StepInput("declaration", dt.date(2012, 3, 30), source_url="https://example.jp"), "出典名"),
])
def test_refused_steps_name_the_field(step: StepInput, match: str) -> None:
    with pytest.raises(StepError, match=match):
        record_step(_standard(), step)


def test_single_merged_region_records_a_policy_not_a_declaration() -> None:
    r = _merged()
    assert r.type is RegionType.SINGLE_MERGED and [n["step"] for n in next_steps(r)] == ["policy", "vision"]
    with pytest.raises(StepError, match="形成方針を記録"):
        record_step(r, StepInput("declaration", dt.date(2011, 1, 1)))
    r = record_step(r, StepInput("policy", dt.date(2011, 12, 1), central_vote_date=dt.date(2011, 12, 20)))
    assert r.formation_policy is not None and r.formation_policy.vote_date == dt.date(2011, 12, 20)
    with pytest.raises(StepError, match="既に記録"):
        record_step(r, StepInput("policy", dt.date(2012, 1, 1)))
