"""Japanese voice of the web pages: times in 日本時間 (和暦), audit operations in Japanese, no 「kouiki None」."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.web.conftest import Logged


def test_audit_page_shows_japan_time_and_japanese_operations(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    page = admin.client.get("/admin/audit").text
    assert "日時（日本時間）" in page and "UTC" not in page
    # The logins of this test are audited: shown as ログイン on 利用者, at a 和暦 date and JST time.
    assert re.search(r"<td>令和\d+年\d+月\d+日 \d\d:\d\d</td><td>admin</td><td>ログイン</td><td>利用者 admin</td>", page)
    api = admin.client.get("/api/audit").json()["entries"]
    assert api[0]["action"] == "login" and api[0]["action_label"] == "ログイン"  # the JSON twin keeps the code


def test_footer_names_the_kouiki_version_on_pages_that_have_a_document_version(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    for url in ("/fiscal?region=hirosaki", "/regions/hirosaki/scenarios", "/staffing?region=hirosaki"):
        page = admin.client.get(url)
        assert page.status_code == 200, url
        assert "kouiki None" not in page.text
        assert re.search(r"kouiki \d+\.\d+\.\d+", page.text), url


def test_staffing_page_of_a_region_without_a_plan_starts_from_its_own_members(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    page = admin.client.get("/staffing?region=yamato-mahoroba").text
    assert "構成団体から作ったたたき台" in page
    assert "奈良県天理市" in page and "弘前" not in page.split("<main")[-1].split("</main>")[0].replace("弘前圏域定住自立圏", "")
    api = admin.client.get("/api/regions/yamato-mahoroba/staffing").json()
    assert api["version"] is None


def test_pages_without_a_region_open_on_the_viewers_own_region(login: Callable[[str], Logged]) -> None:
    # 団体担当 of 黒石市 (a member of 弘前圏域) lands on 弘前圏域; 圏域担当 on its region.
    for user in ("other_body", "region"):
        page = login(user).client.get("/fiscal").text
        assert 'value="hirosaki" selected' in page or "弘前圏域" in page.split("<h1")[1][:200], user


def test_a_region_page_offers_its_own_members_first_in_the_body_chooser(login: Callable[[str], Logged]) -> None:
    page = login("admin").client.get("/facilities/renewal?region=harima-kagaku-koen").text
    chooser = page.split('id="scope-body"')[1].split("</select>")[0]
    first_group = chooser.split("ほかの圏域")[0]
    assert 'value="282294" selected' in first_group  # たつの市, the 中心市
    assert "022021" not in first_group  # 弘前市 belongs to another region


def test_result_pages_have_breadcrumbs_a_print_button_and_a_print_stylesheet(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    page = admin.client.get("/fiscal?region=harima-kagaku-koen").text
    crumbs = page.split('class="crumbs"')[1].split("</nav>")[0]
    assert "圏域一覧" in crumbs and "播磨科学公園都市圏域" in crumbs and "財政措置シミュレーション" in crumbs
    assert "data-print" in page
    css = admin.client.get("/static/app.css").text
    assert "@media print" in css and "size: A4" in css


def test_the_header_names_the_viewers_body_and_region_not_their_codes(login: Callable[[str], Logged]) -> None:
    header = login("other_body").client.get("/regions").text.split("</header>")[0]
    assert "黒石市" in header and "022047" not in header
    header = login("region").client.get("/regions").text.split("</header>")[0]
    assert "弘前圏域" in header and "・hirosaki" not in header


def test_region_pages_say_codes_in_words(login: Callable[[str], Logged]) -> None:
    """No engine or data codes on the region pages: the national counts' 確度 and dates, the 中心市チェック's kind,
    the members' roles as their 枠組み names them, the staffing rows' other keys."""
    admin = login("admin")
    listing = admin.client.get("/regions").text
    national = listing.split("全国の定住自立圏数の推移")[1].split("</table>")[0]
    assert "<td>weak</td>" not in national and "<td>confirmed</td>" not in national
    assert "<td>参考（報道・ブログ等）</td>" in national and "<td>平成21年1月1日</td>" in national
    status = admin.client.get("/formation/status").text
    assert "<td>weak</td>" not in status and "<td>confirmed</td>" not in status and "<td>参考（報道・ブログ等）</td>" in status
    assert "confirmed" not in admin.client.get("/export/formation/status.csv").content.decode("cp932")
    central = admin.client.get("/regions/hirosaki/central").text
    assert "（standard）" not in central and "判定: 要件を満たす（中心市1市の要件）" in central
    renkei = admin.client.get("/regions/renkei-hachinohe").text
    assert "<td>連携中枢都市</td>" in renkei and "<td>連携市町村</td>" in renkei and "<td>近隣市町村</td>" not in renkei
    assert "<td>連携中枢都市</td>" in admin.client.get("/regions/renkei-hachinohe/procedure").text
    assert "<td>中心市</td>" in admin.client.get("/regions/hirosaki").text
    staffing = admin.client.get("/staffing?region=hirosaki").text
    shown = re.sub(r"<[^>]+>", " ", staffing.split("<main")[1].split("<textarea")[0])  # the text, not the attributes
    assert "表にない項目: 協定・覚書" in shown and "memorandum" not in shown
    assert "kouiki staffing template" not in shown and "docs/staffing.md" not in shown  # no command or file path


def test_the_users_page_names_regions_and_bodies(login: Callable[[str], Logged]) -> None:
    page = login("admin").client.get("/admin/users").text
    assert "<td>hirosaki</td>" not in page and "<td>弘前圏域</td>" in page
    assert "<td>022021</td>" not in page and "<td>弘前市（022021）</td>" in page


def test_optimiser_methods_and_demand_points_read_in_japanese() -> None:
    from kouiki.web.regions.scenario_access import point_label, worst_points
    from kouiki.web.render import solver_method

    text = solver_method("lagrangian+local-search (K=8, 120 dual steps, 3 local searches) → HiGHS MILP (optimal)")
    assert text == "ラグランジュ緩和と局所探索 → 整数計画ソルバー HiGHS"
    assert solver_method("greedy → HiGHS MILP") == "貪欲法 → 整数計画ソルバー HiGHS" and solver_method(None) == "計算方法の記録なし"
    assert point_label("m60407487") == "地域メッシュ 60407487" and point_label("公民館前") == "公民館前"
    geo = {"features": [{"geometry": {"coordinates": [140.5, 40.6]}, "properties": {
        "id": "m60407487", "after_minutes": 9.0, "increase_minutes": 2.0, "population": 10}}]}
    assert worst_points(geo)[0]["label"] == "地域メッシュ 60407487"
