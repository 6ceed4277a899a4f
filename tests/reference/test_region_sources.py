"""The sources of a region's facts, grouped and de-duplicated (kouiki.reference.region_sources)."""

from __future__ import annotations

import datetime as dt

import pytest

from kouiki.reference.region_sources import SourceKind, region_sources, region_unknowns, source_kind
from kouiki.reference.regions import Citation, Region, find_region

URL_PREF = "https://www.pref.example.lg.jp/list.html"


def _region() -> Region:
    pref = {"title": "某県 定住自立圏の一覧", "url": URL_PREF, "as_of": "2024-05-01"}
    return Region.model_validate({
        "id": "t", "name": "弘前圏域定住自立圏（試験）", "central": ["022021"],
        "declaration_date": "2011-03-23",
        "declaration_source": {"title": "弘前市 中心市宣言", "url": "https://www.city.hirosaki.aomori.jp/x.html"},
        "members": [
            {"code": "022021", "role": "central"},
            {"code": "022047", "role": "neighbor", "agreement_date": "2011-12-13", "agreement_source": pref},
            {"code": "022101", "role": "neighbor", "agreement_date": "2011-12-13",
             "agreement_source": {**pref, "as_of": "2025-01-10"}},
            {"code": "023612", "role": "neighbor", "agreement_date": None, "agreement_note": "議決は2011年9月"},
        ],
        "visions": [{"title": "共生ビジョン", "adopted": None, "start_fiscal_year": 2012, "end_fiscal_year": 2016,
                     "source": pref}],
        "notes": ["ビジョンの策定日は月までしか分からない（平成24年3月）。"],
    })


def test_a_source_used_by_many_facts_is_listed_once_with_what_it_supports() -> None:
    sources = region_sources(_region())
    assert [s.title for s in sources] == ["弘前市 中心市宣言", "某県 定住自立圏の一覧"]
    pref = sources[1]
    assert pref.supports == {"形成協定": ["黒石市", "平川市"], "共生ビジョン": ["共生ビジョン"]}
    assert pref.supports_text() == ["形成協定（黒石市、平川市）", "共生ビジョン（共生ビジョン）"]
    assert pref.as_of == dt.date(2025, 1, 10) and pref.as_of_wareki == "令和7年1月10日"  # the later date of the two
    assert pref.kind is SourceKind.PREFECTURAL and sources[0].kind is SourceKind.MUNICIPAL
    assert sources[0].supports == {"中心市宣言": ["弘前市"]} and sources[0].as_of_wareki is None


def test_null_facts_are_listed_with_their_notes() -> None:
    unknown = {u.label: u.note for u in region_unknowns(_region())}
    assert unknown == {"藤崎町の形成協定の締結日": "議決は2011年9月",
                       "「共生ビジョン」の策定日": "ビジョンの策定日は月までしか分からない（平成24年3月）。"}


@pytest.mark.parametrize(("title", "url", "kind"), [
    ("弘前市", "https://www.city.hirosaki.aomori.jp/a.html", SourceKind.MUNICIPAL),
    ("藤崎町", "http://www.town.fujisaki.lg.jp/index.cfm/9", SourceKind.MUNICIPAL),
    ("田舎館村", "http://www.vill.inakadate.lg.jp/docs/1/", SourceKind.MUNICIPAL),
    ("鳥取県", "https://www.pref.tottori.lg.jp/116342.htm", SourceKind.PREFECTURAL),
    ("総務省 定住自立圏構想", "https://www.soumu.go.jp/main_sosiki/kenkyu/teizyu/index.html", SourceKind.MIC),
    ("福山市 中心市宣言書", "https://paperzz.com/doc/1", SourceKind.REPRINT),
    ("共生ビジョン", "https://happylibus.com/doc/2", SourceKind.REPRINT),
    ("播磨町 (mirror)", "https://132153.example.group/a.html", SourceKind.REPRINT),
    ("毎日新聞 2016-03-31", "https://mainichi.jp/articles/20160331", SourceKind.NEWS),
    ("取込ファイル 2行目", None, SourceKind.NO_URL),
    ("seed: 取組事例報告②", "seed:000.txt", SourceKind.SEED),
    ("国土地理協会「定住自立圏構想情報」", "https://www.kokudo.or.jp/service/teijyu.html", SourceKind.OTHER),
])
def test_source_kind_rule(title: str, url: str | None, kind: SourceKind) -> None:
    assert source_kind(Citation(title=title, url=url)) is kind


def test_every_bundled_source_of_hirosaki_is_listed() -> None:
    region = find_region("hirosaki")
    urls = {s.url for s in region_sources(region)}
    assert "https://city.hirosaki.aomori.jp/jouhou/keikaku/teijyuujiritu/kyoutei.html" in urls
    assert "http://www.town.fujisaki.lg.jp/index.cfm/9,3101,42,275,html" in urls
    assert len(urls) == len(region_sources(region))  # each once


def test_a_renkei_region_names_its_own_steps() -> None:
    region = find_region("renkei-niigata")
    facts = {f for s in region_sources(region) for f in s.supports}
    assert "連携中枢都市宣言" in facts and "連携協約" in facts and "中心市宣言" not in facts and "形成協定" not in facts
    unknown = {u.label: u.note for u in region_unknowns(region)}
    assert "加茂市の連携協約の締結日" in unknown and "27日" in (unknown["加茂市の連携協約の締結日"] or "")


def test_an_unknown_agreement_date_with_a_sourced_bound_says_the_bound() -> None:
    from kouiki.reference.region_sources import region_unknowns
    from kouiki.reference.regions import bundled_regions

    osumi = next(r for r in bundled_regions() if r.id == "osumi")
    facts = {u.label: u.note for u in region_unknowns(osumi)}
    assert "遅くとも平成21年10月7日までに締結" in (facts["大崎町の形成協定の締結日"] or "")
