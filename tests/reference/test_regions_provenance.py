"""PROVENANCE.md's counts block is computed from the bundled registry and must be up to date."""

from __future__ import annotations

from importlib import resources

import pytest

from kouiki.reference.regions import Region, bundled_regions, find_region
from kouiki.reference.regions_provenance import (
    END,
    START,
    counts_block,
    current_block,
    fact_counts,
    replace_block,
)


def test_provenance_counts_block_is_up_to_date() -> None:
    text = resources.files("kouiki.reference").joinpath("data", "regions", "PROVENANCE.md").read_text("utf-8")
    assert current_block(text) == counts_block(), (
        "PROVENANCE.md の件数が登録内容と一致しません: PYTHONPATH=src python scripts/regions_provenance.py を実行してください")


def test_fact_counts_of_hirosaki() -> None:
    c = fact_counts([find_region("hirosaki")])
    # 7 neighbours: 藤崎町 by its own 協定 page; the six others by the region's member listing (田舎館村's page)
    assert c["構成団体"] == {"市町村": 7}
    assert c["協定締結日"] == {"市町村": 1, "不明": 6}
    assert c["中心市宣言日"] == {"市町村": 1}
    assert c["ビジョン策定日"] == {"市町村": 2} and c["ビジョン期間"] == {"不明": 2}


def test_a_new_region_changes_the_block() -> None:
    extra = Region.model_validate({
        "id": "x", "name": "試験圏域", "central": ["022021"], "declaration_date": None,
        "members": [{"code": "022021", "role": "central"},
                    {"code": "023612", "role": "neighbor", "agreement_date": "2011-12-13",
                     "agreement_source": {"title": "青森県", "url": "https://www.pref.aomori.lg.jp/a.html"}}],
    })
    assert counts_block([*bundled_regions(), extra]) != counts_block()
    assert fact_counts([extra])["協定締結日"] == {"都道府県": 1}


def test_replace_block_needs_the_markers_once() -> None:
    assert replace_block(f"a\n{START}\nold\n{END}\nb", "new\n") == f"a\n{START}\nnew\n{END}\nb"
    with pytest.raises(ValueError):
        replace_block("no markers", "x")
