from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kouiki.cli import app
from kouiki.formation.regions_csv import RegionCsvError, parse_date, read_regions_csv
from kouiki.formation.status import national_series, registry_counts, registry_series
from kouiki.reference.regions import Framework, RegionError, bundled_regions

runner = CliRunner()
HEADER = "圏域ID,圏域名,類型,団体コード,役割,中心市宣言日,協定締結日,ビジョン策定日,ビジョン開始年度,ビジョン終了年度,出典\n"
GOOD = HEADER + (
    "nakaumi,中海圏域定住自立圏,複眼型,米子市,中心市,2009-04-30,,2010-03-30,H22,H26,https://www.pref.tottori.lg.jp/116342.htm\n"
    "nakaumi,,,松江市,中心市,,,,,,\n"
    "nakaumi,,,境港市,近隣市町村,,平成21年10月7日,,,,\n"
    "nakaumi,,,安来市,近隣,,H21.10.7,,,,\n"
)


def test_national_series_against_the_kpi() -> None:
    nat = national_series()
    assert nat["kpi"]["target_regions"] == 140
    assert nat["latest"]["regions"] == 131 and nat["latest"]["gap_to_kpi"] == 9
    assert all(p["source"] for p in nat["series"])


def test_registry_counts_follow_the_dates() -> None:
    regs = [r for r in bundled_regions() if r.id in {"harima-kagaku-koen", "hirosaki", "yamato-mahoroba"}]  # the seed's three
    early = registry_counts(regs, dt.date(2015, 1, 1))
    assert early["regions"] == 1 and early["declared_central_cities"] == 2  # 弘前 formed; 天理 declared 2014-12
    late = registry_counts(regs, dt.date(2025, 4, 1))
    assert late["regions"] == 3 and late["declaration_date_unknown"] == 1
    series = registry_series(regs, dt.date(2017, 1, 1))
    assert [s["regions"] for s in series][-1] == 3


def test_parse_date_forms() -> None:
    assert parse_date("H23.3.23") == parse_date("平成23年3月23日") == parse_date("2011/03/23") == dt.date(2011, 3, 23)
    with pytest.raises(ValueError):
        parse_date("3月頃")


def test_csv_of_regions(tmp_path: Path) -> None:
    f = tmp_path / "regions.csv"
    f.write_bytes(GOOD.encode("cp932"))
    [r] = read_regions_csv(f)
    assert r.type.value == "compound" and r.central == ["312029", "322016"]
    assert [m.agreement_date for m in r.neighbors()] == [dt.date(2009, 10, 7)] * 2
    assert r.visions[0].start_fiscal_year == 2010 and r.has_vision(2012) is True


@pytest.mark.parametrize(("text", "needle"), [
    (HEADER + "x,圏域,,弘前市,中心市,,,,,,\nx,,,存在しない町,近隣,,,,,,\n", "3行目 列「団体コード」"),
    (HEADER + "x,圏域,,弘前市,中心市,,,,,,\nx,,,藤崎町,近所,,,,,,\n", "3行目 列「役割」"),
    (HEADER + "x,圏域,,弘前市,中心市,2011-03-23,,,,,\nx,,,藤崎町,近隣,,2011-13-01,,,,\n", "3行目 列「協定締結日」"),
    (HEADER + "x,圏域A,,弘前市,中心市,,,,,,\nx,圏域B,,藤崎町,近隣,,,,,,\n", "3行目 列「圏域名」"),
    (HEADER + "x,圏域,,弘前市,中心市,2012-01-01,,,,,\nx,,,藤崎町,近隣,,2011-12-13,,,,\n", "中心市宣言"),
])
def test_csv_errors_name_file_row_and_field(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises((RegionCsvError, RegionError)) as exc:
        read_regions_csv(f)
    assert "bad.csv" in str(exc.value) and needle in str(exc.value)


def test_cli_import_csv_is_all_or_nothing_and_status_counts_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "broken,x,,藤崎町,中心市,,,,,,\n", encoding="utf-8")
    res = runner.invoke(app, ["regions", "import", str(bad)])
    assert res.exit_code == 1
    out = json.loads(runner.invoke(app, ["regions", "status", "--json"]).stdout)
    teiju = [r for r in bundled_regions() if r.framework is Framework.TEIJU]  # the status counts 定住自立圏 only
    assert out["registry"]["registered_regions"] == len(teiju)  # nothing of the bad file was written
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert runner.invoke(app, ["regions", "import", str(good)]).exit_code == 0
    out = json.loads(runner.invoke(app, ["regions", "status", "--json"]).stdout)
    # 中海圏域 (id nakaumi) is also bundled (teiju/31_tottori.yaml): the import replaces it, so it counts once
    assert out["registry"]["registered_regions"] == len({r.id for r in teiju} | {"nakaumi"}) and out["national"]["latest"]["regions"] == 131
    res = runner.invoke(app, ["regions", "status"])
    assert res.exit_code == 0 and "131" in res.output


def test_cli_procedure(tmp_path: Path) -> None:
    out = json.loads(runner.invoke(app, ["formation", "procedure", "まほろば", "--on", "2016-01-01", "--json"]).stdout)
    steps = {m["name"]: m["step"] for m in out["members"]}
    assert steps["田原本町"] == "declared" and steps["山添村"] == "vision"
    assert set(out["projects_by_role"]) == {"生活機能の強化", "結びつきやネットワークの強化", "圏域マネジメント能力の強化"}
    res = runner.invoke(app, ["formation", "procedure", "弘前圏域"])
    assert res.exit_code == 0 and "圏域マネジメント能力の強化" in res.output
