"""The region form (圏域の登録・編集をフォームで): no YAML needed to register or edit a region; the same model and
permission rules as the YAML/API path; errors in Japanese beside their field; 4xx, never 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.web.conftest import KAWANISHI, Logged
from tests.web.test_scenario_form_entries import submitted

ICHINOSEKI, HIRAIZUMI, OSHU = "032093", "034029", "032158"


def _new(admin: Logged, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": admin.csrf, "op": "save", "name": "一関・平泉テスト圏域", "short_name": "", "framework": "定住自立圏",
        "type": "standard", "central0": "岩手県一関市", "central1": "", "declaration_date": "2010-04-01",
        "neighbours": "2", "n0_body": "平泉町", "n0_date": "2010-10-01", "n1_body": OSHU, "n1_date": "",
        "visions": "1", "v0_title": "第1次共生ビジョン", "v0_adopted": "2011-03-25", "v0_start": "令和3年度",
        "v0_end": "R7", "v0_from": ""}
    data.update(over)
    return data


def _field_error(page: str, field: str) -> str:
    tag = re.search(rf'<(?:input|select)[^>]*name="{field}"[^>]*>', page)
    assert tag and 'aria-invalid="true"' in tag.group(0) and f'aria-describedby="{field}-err' in tag.group(0), field
    m = re.search(rf'<span class="cell-error" id="{field}-err">([^<]*)</span>', page)
    assert m, field
    return m.group(1)


def test_only_an_admin_registers_and_the_form_needs_no_yaml(login: Callable[[str], Logged]) -> None:
    for who in ("region", "body", "viewer"):
        u = login(who)
        assert u.client.get("/regions/new").status_code == 403
        assert u.client.post("/regions/new", data=_new(u)).status_code == 403
    admin = login("admin")
    listing = admin.client.get("/regions").text
    assert 'href="/regions/new"' in listing and "詳細（YAML）" in listing  # the text path stays for power users
    assert 'href="/regions/new"' not in login("region").client.get("/regions").text
    page = admin.client.get("/regions/new").text
    assert '<datalist id="body-list">' in page and '<option value="岩手県一関市">' in page
    assert 'type="date"' in page and "詳細（YAML）" in page
    assert admin.client.post("/regions/new", data=_new(admin) | {"csrf_token": "forged"}).status_code == 403
    r = admin.client.post("/regions/new", data=_new(admin), follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    rid = r.headers["location"].rsplit("/", 1)[1]
    assert rid == f"teiju-{ICHINOSEKI}"
    doc = admin.client.get(f"/api/regions/{rid}").json()["document"]
    assert doc["central"] == [ICHINOSEKI] and doc["declaration_date"] == "2010-04-01"
    members = {m["code"]: m for m in doc["members"]}
    assert members[ICHINOSEKI]["role"] == "central"
    assert members[HIRAIZUMI]["role"] == "neighbor" and members[HIRAIZUMI]["agreement_date"] == "2010-10-01"
    assert members[OSHU]["agreement_date"] is None
    [v] = doc["visions"]
    assert (v["title"], v["adopted"], v["start_fiscal_year"], v["end_fiscal_year"]) == ("第1次共生ビジョン", "2011-03-25", 2021, 2025)
    # the region page shows the date in 和暦 and offers the form for editing
    page = admin.client.get(f"/regions/{rid}").text
    assert "平成22年10月1日" in page and f'href="/regions/{rid}/edit"' in page
    form = admin.client.get(f"/regions/{rid}/edit").text
    assert 'value="2010-10-01"' in form and "（平成22年10月1日）" in form  # the date input, its 和暦 beside it
    # the same name again is refused at the field (the store keeps one region per name), never a 500
    again = admin.client.post("/regions/new", data=_new(admin), follow_redirects=False)
    assert again.status_code == 409 and "同じ名前の圏域「一関・平泉テスト圏域」が既にあります" in _field_error(again.text, "name")
    assert "他の利用者" not in again.text and "None" not in again.text
    # another region of the same 中心市 gets the next id
    again = admin.client.post("/regions/new", data=_new(admin, name="一関（連携）", framework="連携中枢都市圏"),
                              follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].endswith(f"renkei-{ICHINOSEKI}")
    again = admin.client.post("/regions/new", data=_new(admin, name="一関その2"), follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].endswith(f"teiju-{ICHINOSEKI}-2")


@pytest.mark.parametrize(("over", "field", "words"), [
    ({"name": ""}, "name", "「圏域名」を入力してください"),
    ({"central0": ""}, "central0", "「中心市」を入力してください"),
    ({"id": "Ichinoseki City"}, "id", "圏域ID「Ichinoseki City」は使えません: 半角の英小文字・数字と「-」"),
    ({"id": "ichinoseki--x"}, "id", "圏域ID「ichinoseki--x」は使えません"),
    ({"central0": "存在しない市"}, "central0", "一致する団体がありません"),
    ({"central0": "岩手県平泉町", "n0_body": "岩手県一関市"}, "central0", "市ではありません"),
    ({"central1": "岩手県奥州市", "n1_body": ""}, "central1", "複眼型の圏域だけ"),
    ({"type": "compound"}, "central1", "複眼型では「中心市（複眼型の2市目）」を入力してください"),
    ({"name": "弘前圏域定住自立圏"}, "name", "同じ名前の圏域「弘前圏域定住自立圏」が既にあります"),  # 409
    ({"n0_body": "府中市"}, "n0_body", "複数の団体に一致します"),  # 東京都府中市 and 広島県府中市
    ({"n1_body": "平泉町"}, "n1_body", "ほかの行と重複しています"),
    ({"n1_body": "一関市"}, "n1_body", "中心市です"),
    ({"n0_date": "2010-13-01"}, "n0_date", "日付として読めません"),
    ({"n0_date": "2009-01-01"}, "n0_date", "中心市宣言"),  # the model's procedure order, placed at the row
    ({"v0_start": "いつか"}, "v0_start", "年度として読めません"),
    ({"v0_end": "令和2年度"}, "v0_end", "より前です"),
    ({"v0_title": ""}, "v0_title", "「名称」を入力してください"),
    ({"framework": "広域連合"}, "framework", "「枠組み」は"),
])
def test_errors_are_japanese_at_their_field_and_nothing_is_saved(
    login: Callable[[str], Logged], over: dict[str, Any], field: str, words: str
) -> None:
    admin = login("admin")
    before = admin.client.get("/api/regions").json()["regions"]
    r = admin.client.post("/regions/new", data=_new(admin, **over))
    assert r.status_code == (409 if "同じ名前" in words else 400), r.text[:2000]
    assert words in _field_error(r.text, field)
    assert 'role="alert"' in r.text
    assert f'value="{over.get("name", "一関・平泉テスト圏域")}"' in r.text  # what was typed is shown again
    assert admin.client.get("/api/regions").json()["regions"] == before


def test_the_form_registers_a_region_under_the_id_typed_and_refuses_a_taken_one(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    page = admin.client.get("/regions/new").text
    assert '<label for="r-id">圏域ID（任意）</label>' in page and "半角の英小文字・数字" in page
    assert 'id="r-id"' not in admin.client.get("/regions/hirosaki/edit").text  # an ID never changes
    r = admin.client.post("/regions/new", data=_new(admin, id="ichinoseki-test"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/regions/ichinoseki-test", r.text[:2000]
    again = admin.client.post("/regions/new", data=_new(admin, id="ichinoseki-test", name="別の名前の圏域"))
    assert again.status_code == 409
    assert "圏域ID「ichinoseki-test」は既に使われています（一関・平泉テスト圏域）" in _field_error(again.text, "id")
    assert 'value="ichinoseki-test"' in again.text and "他の利用者" not in again.text
    assert "別の名前の圏域" not in {x["name"] for x in admin.client.get("/api/regions").json()["regions"]}


def test_the_member_words_follow_the_framework(login: Callable[[str], Logged]) -> None:
    """The server renders the words of the 枠組み chosen; the page carries both sets for app.js to swap."""
    admin = login("admin")
    teiju = admin.client.get("/regions/new").text
    assert '<span data-role="central">中心市</span>' in teiju and '<span data-role="agreement">形成協定</span>' in teiju
    labels = re.search(r"data-role-labels='([^']+)'", teiju)
    assert labels is not None
    import json

    words = json.loads(labels.group(1))
    assert words["連携中枢都市圏"]["central"] == "連携中枢都市" and words["連携中枢都市圏"]["neighbor"] == "連携市町村"
    assert words["定住自立圏"]["declaration"] == "中心市宣言日"
    renkei = admin.client.post("/regions/new", data=_new(admin, op="add-neighbour", framework="連携中枢都市圏")).text
    assert '<span data-role="central">連携中枢都市</span>' in renkei and "連携協約" in renkei
    assert '<span data-role="central">中心市</span>' not in renkei
    js = admin.client.get("/static/app.js").text
    assert "data-role-labels" in js and 'getElementById("r-framework")' in js


def test_rows_are_added_and_removed_without_javascript(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    more = admin.client.post("/regions/new", data=_new(admin, op="add-neighbour"))
    assert more.status_code == 200 and 'name="n2_body"' in more.text and 'value="平泉町"' in more.text
    data = submitted(more.text, "region-form", op="save", n2_body="岩手県金ケ崎町", n1_remove="1")
    r = admin.client.post("/regions/new", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    doc = admin.client.get(r.headers["location"].replace("/regions/", "/api/regions/")).json()["document"]
    assert [m["code"] for m in doc["members"]] == [ICHINOSEKI, HIRAIZUMI, "033812"]


def test_an_unchanged_edit_keeps_every_field_the_form_does_not_show(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    before = admin.client.get("/api/regions/hirosaki").json()
    page = admin.client.get("/regions/hirosaki/edit").text
    r = admin.client.post("/regions/hirosaki/edit", data=submitted(page, "region-form", op="save"), follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    after = admin.client.get("/api/regions/hirosaki").json()
    assert after["document"] == before["document"]  # (an unchanged document does not raise the version)


def test_a_region_officer_edits_dates_of_its_own_region_but_not_its_members(login: Callable[[str], Logged]) -> None:
    u = login("region")  # 圏域担当 of hirosaki
    assert u.client.get("/regions/yamato-mahoroba/edit").status_code == 403
    other = u.client.get("/api/regions/yamato-mahoroba").json()
    assert u.client.post("/regions/yamato-mahoroba/edit", data={"csrf_token": u.csrf, "op": "save",
                                                                "version": str(other["version"])}).status_code == 403
    page = u.client.get("/regions/hirosaki/edit").text
    assert re.search(r'name="n0_body"[^>]*readonly', page) and "この団体を外す" not in page
    before = u.client.get("/api/regions/hirosaki").json()
    # a member taken from another region through a forged form: refused by the same rule as the API, nothing saved
    forged = submitted(page, "region-form", op="save", n0_body=KAWANISHI)
    r = u.client.post("/regions/hirosaki/edit", data=forged)
    assert r.status_code == 403 and "管理者" in r.text
    rows = int(re.search(r'name="neighbours" value="(\d+)"', page).group(1))  # type: ignore[union-attr]
    forged = submitted(page, "region-form", op="save", neighbours=str(rows - 1))  # dropping the last member
    assert u.client.post("/regions/hirosaki/edit", data=forged).status_code == 403
    assert u.client.get("/api/regions/hirosaki").json() == before
    # another field of its own region: allowed
    r = u.client.post("/regions/hirosaki/edit", data=submitted(page, "region-form", op="save", short_name="弘前テスト"),
                      follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    after = u.client.get("/api/regions/hirosaki").json()
    assert after["document"]["short_name"] == "弘前テスト" and after["document"]["members"] == before["document"]["members"]
    # a form opened before that save is refused (optimistic locking, the API's version)
    stale = u.client.post("/regions/hirosaki/edit", data=submitted(page, "region-form", op="save", short_name="古い"))
    assert stale.status_code == 409 and 'value="古い"' in stale.text
    assert u.client.get("/api/regions/hirosaki").json()["document"]["short_name"] == "弘前テスト"


def test_the_yaml_tab_of_the_edit_page_saves_the_whole_document(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    page = admin.client.get("/regions/hirosaki/edit").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    text = re.search(r'<textarea id="document" name="document"[^>]*>([^<]*)</textarea>', page).group(1)  # type: ignore[union-attr]
    import html

    text = html.unescape(text) + "notes:\n- YAML から追記\n"
    r = admin.client.post("/regions/hirosaki/edit", data={"csrf_token": admin.csrf, "op": "yaml", "version": version,
                                                          "document": text}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    assert admin.client.get("/api/regions/hirosaki").json()["document"]["notes"] == ["YAML から追記"]
    bad = admin.client.post("/regions/hirosaki/edit", data={"csrf_token": admin.csrf, "op": "yaml",
                                                            "version": str(int(version) + 1), "document": "name: [\n"})
    assert bad.status_code == 400 and "YAML/JSON として読めません" in bad.text


@pytest.mark.browser
def test_browser_registers_a_region_through_the_form_alone(app_users: None) -> None:
    """In chromium: an admin registers a region by typing names (the datalist), dates in the date inputs, adds a
    row with the button, sees an error at its field, fixes it and saves; no request leaves the machine."""
    from pathlib import Path

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium がありません（apt-get install chromium）")
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.web.conftest import PASSWORD
    from tests.web.live import live_app

    with live_app() as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        pg = browser.new_page(locale="ja-JP")
        errors: list[str] = []
        requests: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("request", lambda r: requests.append(r.url))
        pg.set_default_timeout(30_000)
        pg.goto(f"{base}/login?next=/regions")
        pg.get_by_label("利用者名").fill("admin")
        pg.get_by_label("パスワード").fill(PASSWORD)
        with pg.expect_navigation(wait_until="domcontentloaded"):
            pg.get_by_role("button", name="ログイン").click()
        with pg.expect_navigation(wait_until="domcontentloaded"):
            pg.get_by_role("link", name="圏域をフォームで登録する").click()
        pg.get_by_label("圏域名").fill("ブラウザ登録圏域")
        # the member words follow the 枠組み at once (static/app.js), and back
        pg.get_by_label("枠組み").select_option("連携中枢都市圏")
        sync_api.expect(pg.locator("label[for=r-central0]")).to_have_text("連携中枢都市")
        sync_api.expect(pg.locator("#neighbours legend")).to_contain_text("連携市町村（1行が1団体。協定締結日は連携中枢都市との連携協約の締結日）")
        pg.get_by_label("枠組み").select_option("定住自立圏")
        sync_api.expect(pg.locator("label[for=r-central0]")).to_have_text("中心市")
        pg.locator("#r-central0").fill("岩手県一関市")
        pg.get_by_label("中心市宣言日").fill("2010-04-01")
        pg.locator("#n0-body").fill("岩手県平泉町")
        pg.locator("#n0-date").fill("2009-10-01")  # before the 宣言: the model refuses it at this field
        with pg.expect_navigation(wait_until="domcontentloaded"):
            pg.get_by_role("button", name="近隣市町村を追加").click()
        assert pg.locator("#n0-body").input_value() == "岩手県平泉町"
        pg.locator("#n1-body").fill("岩手県奥州市")
        with pg.expect_navigation(wait_until="domcontentloaded"):
            pg.get_by_role("button", name="登録する", exact=True).click()
        sync_api.expect(pg.locator("#n0_date-err")).to_contain_text("中心市宣言")
        assert pg.locator("#n0-date").get_attribute("aria-invalid") == "true"
        pg.locator("#n0-date").fill("2010-10-01")
        with pg.expect_navigation(wait_until="domcontentloaded"):
            pg.get_by_role("button", name="登録する", exact=True).click()
        assert pg.url.endswith(f"/regions/teiju-{ICHINOSEKI}"), pg.url
        sync_api.expect(pg.locator("main")).to_contain_text("平成22年10月1日")
        assert errors == [], errors
        assert all(u.startswith(base) or u.startswith("data:") for u in requests), requests
        browser.close()


def test_the_region_form_labels_every_field_and_has_no_inline_script_or_style(login: Callable[[str], Logged]) -> None:
    for who, path in (("admin", "/regions/new"), ("admin", "/regions/hirosaki/edit"), ("region", "/regions/hirosaki/edit"),
                      ("admin", "/regions")):
        html = login(who).client.get(path).text
        ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
        labels = set(re.findall(r'<label for="([^"]+)"', html))
        assert ids <= labels, (path, ids - labels)
        assert "<script>" not in html and " style=" not in html  # CSP: no inline script or style
