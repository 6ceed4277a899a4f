"""The bundled national registry of 定住自立圏: every fact checkable, counts against the national figures, CSV import."""

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Citation, Framework, Region, Role, bundled_regions
from kouiki.reference.regions_import import RegionImportError, parse_date, read_mic_csv, write_mic_csv
from kouiki.reference.regions_status import KnownRegion, registry_status, render_coverage

TODAY = dt.date.today()


def _dated_facts(r: Region) -> list[tuple[str, dt.date | None, Citation | None]]:
    """(label, date, its source) for every dated fact of a region."""
    facts: list[tuple[str, dt.date | None, Citation | None]] = [("中心市宣言", r.declaration_date, r.declaration_source)]
    for m in r.members:
        facts.append((f"{m.code} 協定", m.agreement_date, m.agreement_source))
        facts.append((f"{m.code} 遅くとも締結", m.agreement_by, m.bound_source))
        facts += [(f"{m.code} 変更協定", a.date, a.source) for a in m.amendments]
    for v in r.visions:
        facts.append((v.title, v.adopted, v.source))
        facts += [(f"{v.title} 変更", d, v.source) for d in v.revisions]
    if r.formation_policy is not None:
        facts.append(("形成方針", r.formation_policy.adopted or r.formation_policy.vote_date, r.formation_policy.source))
    return facts


def _citations(r: Region) -> list[Citation]:
    out = [c for _label, _d, c in _dated_facts(r) if c is not None] + list(r.agreement_sources)
    return out + [o.source for o in r.also_in if o.source is not None]


def test_every_member_code_is_a_body_of_the_municipality_master() -> None:
    for r in bundled_regions():
        for m in r.members:
            assert registry().by_code(m.code).code == m.code, (r.id, m.code)


def test_every_date_is_real_not_in_the_future_and_not_after_its_source() -> None:
    problems = []
    for r in bundled_regions():
        for label, d, src in _dated_facts(r):
            if d is None:
                continue
            assert isinstance(d, dt.date)
            if d > TODAY:
                problems.append(f"{r.id} {label}: {d} は未来")
            if src is not None and src.as_of is not None and d > src.as_of:
                problems.append(f"{r.id} {label}: {d} が出典の時点 {src.as_of} より後")
    assert problems == []


def test_every_region_has_at_least_one_source_and_every_source_a_title() -> None:
    for r in bundled_regions():
        cites = _citations(r)
        assert cites, f"{r.id} に出典がありません"
        assert all(c.title.strip() for c in cites), r.id


def test_no_region_id_is_duplicated() -> None:
    ids = Counter(r.id for r in bundled_regions())
    assert [i for i, n in ids.items() if n > 1] == []


def test_every_central_city_is_a_city_and_a_member() -> None:
    for r in bundled_regions():
        for c in r.central:
            assert registry().by_code(c).kind.is_city
        assert {m.code for m in r.members if m.role is Role.CENTRAL} == set(r.central)


def test_a_body_in_two_regions_is_held_in_both() -> None:
    kosaka = registry().get("秋田県小坂町").code
    holding = [r.id for r in bundled_regions() if kosaka in r.member_codes()]
    assert len(holding) == 2  # 上十三・十和田湖 (青森) and 大館圏域 (秋田): across a prefectural border


def test_status_counts_the_gap_to_the_national_figure() -> None:
    regions = [r for r in bundled_regions() if r.framework is Framework.TEIJU]  # 連携中枢都市圏 are not in the 131
    status = registry_status(regions)
    assert status.national_regions == 131
    assert status.national_as_of == dt.date(2025, 4, 1)
    assert status.registered_regions == len(regions)
    assert status.gap == 131 - len(regions)
    assert status.registered_member_slots == sum(len(r.members) for r in regions)
    assert sum(status.by_prefecture.values()) == len(regions)
    f = status.facts
    assert f.declaration_found + f.declaration_null == len(regions)


def test_status_lists_known_names_not_yet_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    src = Citation(title="テスト出典", url="https://example.jp/", as_of=dt.date(2025, 4, 1))
    known = (
        KnownRegion(name="弘前圏域定住自立圏", central=("022021",), prefecture="青森県", source=src),
        KnownRegion(name="架空の定住自立圏", central=(registry().get("東京都八王子市").code,), prefecture="東京都", source=src),
    )
    monkeypatch.setattr("kouiki.reference.regions_status.known_regions", lambda: known)
    status = registry_status(bundled_regions())
    assert [k.name for k in status.missing_known] == ["架空の定住自立圏"]
    assert status.missing_unnamed == status.gap - 1
    assert "架空の定住自立圏" in render_coverage(status)


def test_the_mic_csv_round_trips_the_bundled_registry(tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_text(write_mic_csv(bundled_regions()), encoding="utf-8-sig")
    back = {r.id: r for r in read_mic_csv(path)}
    for r in bundled_regions():
        b = back[r.id]
        assert (b.type, b.central, b.declaration_date) == (r.type, r.central, r.declaration_date)
        assert [(m.code, m.role, m.agreement_date, m.agreement_by) for m in b.members] == [
            (m.code, m.role, m.agreement_date, m.agreement_by) for m in r.members]


def test_the_mic_csv_reads_wareki_two_central_cities_and_own_dates(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "圏域名,中心市,近隣市町村,宣言日,協定締結日,ビジョン策定日,都道府県\n"
        "大和まほろば,天理市,山添村、川西町、田原本町(H28.10.5),平成26年12月22日,H27.3.27,2015/9/30,奈良県\n"
        "上十三,十和田市・三沢市,野辺地町・秋田県小坂町,2012-03-29,2012年10月4日,,青森県\n",
        encoding="cp932",
    )
    mahoroba, kamijusan = read_mic_csv(path)
    assert [m.agreement_date for m in mahoroba.neighbors()] == [dt.date(2015, 3, 27), dt.date(2015, 3, 27), dt.date(2016, 10, 5)]
    assert mahoroba.declaration_date == dt.date(2014, 12, 22) and mahoroba.visions[0].adopted == dt.date(2015, 9, 30)
    assert kamijusan.type.value == "compound" and len(kamijusan.central) == 2
    assert registry().by_code(kamijusan.neighbors()[1].code).prefecture == "秋田県"


def test_the_mic_csv_reads_an_upper_bound_of_an_unknown_agreement_date(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "圏域名,中心市,近隣市町村,宣言日,協定締結日,出典,時点\n"
        "試験圏域,天理市,川西町(2016-10-31まで)、三宅町(〜H28.9.30)、山添村,2014-12-22,2015-03-27,"
        "https://example.jp/list,2020-04-01\n",
        encoding="utf-8",
    )
    (r,) = read_mic_csv(path)
    kawanishi, miyake, yamazoe = r.neighbors()
    assert (kawanishi.agreement_date, kawanishi.agreement_by) == (None, dt.date(2016, 10, 31))
    assert (miyake.agreement_date, miyake.agreement_by) == (None, dt.date(2016, 9, 30))
    assert kawanishi.bound_source is not None and kawanishi.bound_source.url == "https://example.jp/list"
    assert kawanishi.agreement_by_note and "まで" in kawanishi.agreement_by_note
    assert (yamazoe.agreement_date, yamazoe.agreement_by) == (dt.date(2015, 3, 27), None)


def test_the_mic_csv_refuses_the_whole_file_and_lists_every_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "圏域名,中心市,近隣市町村,宣言日,協定締結日,ビジョン策定日\n"
        "よい圏域,天理市,山添村,2014-12-22,2015-03-27,\n"
        "町が中心,奈良県川西町,山添村,,,\n"
        "曖昧,森町,,,,\n"
        "日付,天理市,山添村,平成26年2月30日,明日かも,\n"
        "宣言の前,天理市,山添村,2015-03-27,2014-12-22,\n",
        encoding="utf-8",
    )
    with pytest.raises(RegionImportError) as err:
        read_mic_csv(path)
    rows = sorted({(p.row, p.column) for p in err.value.problems})
    assert rows == [(3, "中心市"), (4, "中心市"), (5, "協定締結日"), (5, "宣言日"), (6, "圏域名")]
    text = str(err.value)
    assert "取り込みませんでした" in text and "存在しない日付" in text and "市でなければなりません" in text


def test_a_csv_without_the_required_columns_names_them(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("圏域名,中心市\na,天理市\n", encoding="utf-8")
    with pytest.raises(RegionImportError, match="近隣市町村"):
        read_mic_csv(path)


def test_dates_in_wareki_and_seireki_parse_and_impossible_ones_are_refused() -> None:
    assert parse_date("R元.5.1") == dt.date(2019, 5, 1)
    assert parse_date("平成23年3月23日") == dt.date(2011, 3, 23)
    assert parse_date("２０１１／３／２３") == dt.date(2011, 3, 23)
    with pytest.raises(ValueError, match="存在しない"):
        parse_date("2023-02-29")
    with pytest.raises(ValueError, match="始まり"):
        parse_date("令和1年4月1日")


def test_the_bundled_known_names_resolve_and_cite_a_source() -> None:
    from kouiki.reference.regions_status import known_regions

    known = known_regions()
    assert known, "known_names.yaml is empty"
    for k in known:
        assert all(registry().by_code(c).kind.is_city for c in k.central)
        assert k.source.title and (k.source.as_of is None or k.source.as_of <= TODAY)


def test_bundled_renkei_regions_are_kept_apart_from_the_teiju_count() -> None:
    regions = bundled_regions()
    renkei = [r for r in regions if r.framework is Framework.RENKEI]
    assert renkei, "no 連携中枢都市圏 bundled under regions/renkei/"
    assert registry_status(regions).registered_regions == len(regions) - len(renkei)
    bingo = next(r for r in renkei if r.name == "備後圏域連携中枢都市圏")
    mihara = registry().get("広島県三原市").code
    # 三原市 is both a 連携市町村 of 備後圏域 and the 合併1市圏域 三原市定住自立圏: held in both frameworks.
    assert mihara in bingo.member_codes()
    assert any(mihara in r.central for r in regions if r.framework is Framework.TEIJU)
