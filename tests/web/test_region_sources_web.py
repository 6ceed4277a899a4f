"""The region page lists the sources of the region's facts (「出典」), and says so when there are none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kouiki.reference.regions_import import read_mic_csv
from kouiki.store import session
from kouiki.store.regions import save_region
from tests.web.conftest import Logged


def _section(page: str) -> str:
    return page.split('id="src-h"')[1].split("</section>")[0]


def test_region_page_lists_its_sources_once_with_links_and_wareki(login: Callable[[str], Logged]) -> None:
    page = login("viewer").client.get("/regions/hirosaki")
    assert page.status_code == 200
    src = _section(page.text)
    url = "https://city.hirosaki.aomori.jp/jouhou/keikaku/teijyuujiritu/kyoutei.html"
    assert src.count(f'href="{url}"') == 1  # cited by the 宣言 and two visions, listed once
    assert 'href="http://www.town.fujisaki.lg.jp/index.cfm/9,3101,42,275,html"' in src
    assert "中心市宣言（弘前市）" in src and "形成協定（圏域全体、藤崎町）" in src
    # null facts say 不明 with their note
    assert "黒石市の形成協定の締結日" in src and "<td>不明</td><td>2011年9月定例会で議決</td>" in src


def test_region_page_shows_the_date_of_a_source_in_wareki(login: Callable[[str], Logged]) -> None:
    src = _section(login("viewer").client.get("/regions/minami-hokkaido").text)
    row = src.split('href="http://www.city.hakodate.hokkaido.jp/docs/2014030600480/"')[1].split("</tr>")[0]
    assert "<td>平成27年11月30日</td>" in row and "<td>市町村</td>" in row
    assert "記載なし" in _section(login("viewer").client.get("/regions/hirosaki").text)  # hirosaki's pages state no date


def test_region_imported_by_csv_without_sources_says_so(login: Callable[[str], Logged], tmp_path: Path) -> None:
    f = tmp_path / "mic.csv"
    f.write_text("圏域名,中心市,近隣市町村,宣言日,協定締結日,ビジョン策定日\n"
                 "試験圏域定住自立圏,弘前市,藤崎町,2011-03-23,2011-12-13,\n", encoding="utf-8")
    [region] = read_mic_csv(f)
    with session() as s:
        save_region(s, region, user="test")
    page = login("viewer").client.get(f"/regions/{region.id}")
    assert page.status_code == 200, page.text
    src = _section(page.text)
    assert "出典（URL）が登録されていません" in src and "href=" not in src
    assert "mic.csv 2行目" in src  # the row it came from is still named
