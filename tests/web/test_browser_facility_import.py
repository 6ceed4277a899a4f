"""Browser test of the facility upload flow (issue 14 points 1 and 3): Debian's /usr/bin/chromium driven by
Playwright against a live server, as a 公共施設マネジメント担当 would use it.

A complete file replaces the list; a CP932 file with two bad rows changes nothing and lists both rows beside
the upload form, with the second step (正しい行だけ, 件数 before/after) one click away; an unreadable file is
explained beside the form, never a bare 「エラー（400）」 page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_browser import CHROMIUM, _login, live_server, page  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium がありません（apt-get install chromium）"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev dependency) is not installed")

HEADER = "施設ID,団体コード,施設名,大分類,延床面積,建築年度"


def _file(tmp_path: Path, name: str, rows: list[str]) -> Path:
    p = tmp_path / name
    p.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp932"))
    return p


def _upload(pg: Any, path: Path) -> None:
    pg.locator("#file").set_input_files(str(path))
    with pg.expect_navigation(wait_until="domcontentloaded"):
        pg.get_by_role("button", name="取り込む").click()


def _listed(pg: Any) -> int:
    return int(pg.locator("#facilities tbody tr").count())


def test_upload_refuses_bad_rows_beside_the_form_then_imports_the_good_rows_on_confirmation(
    page: Any, live_server: str, tmp_path: Path  # noqa: F811
) -> None:
    _login(page, live_server)
    page.goto(f"{live_server}/facilities?body=022047")
    good = [f"K{i},022047,黒石施設{i},市民文化系施設,{1000 + i},1990" for i in range(1, 5)]
    _upload(page, _file(tmp_path, "黒石_全件.csv", good))
    sync_api.expect(page.locator("#import-result")).to_contain_text("4 件で置き換えました")
    assert _listed(page) == 4

    bad = [*good[:2], "K3,022047,黒石会館,市民文化系施設,99999999999999999999,1990",
           "K4,022047,黒石体育館,市民文化系施設,1200,令和99年"]
    _upload(page, _file(tmp_path, "黒石_誤り.csv", bad))
    result = page.locator("#import-result")
    sync_api.expect(result).to_contain_text("2行に誤りがあるため、何も取り込んでいません")
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 2
    assert [c.strip() for c in errors.nth(0).locator("td").all_inner_texts()][:4] == [
        "4", "E", "延床面積", "99999999999999999999"]
    assert "建築年度が将来の年度です" in errors.nth(1).inner_text()
    # the errors sit in the upload card, right after the form
    assert page.evaluate("""() => { const f = document.querySelector('#facility-import form');
        const t = document.querySelector('#import-errors');
        return f.closest('section') === t.closest('section') &&
               !!(f.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING); }""")
    assert page.locator("h1").inner_text().startswith("公共施設")
    assert _listed(page) == 4  # the old list is intact
    sync_api.expect(page.locator("#count-before")).to_have_text("4 件")
    sync_api.expect(page.locator("#count-after")).to_have_text("2 件")

    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("button", name=re.compile(r"正しい 2 件だけで置き換える（4 件 → 2 件）")).click()
    sync_api.expect(page.locator("#import-result")).to_contain_text("2 件で置き換えました（置き換え前 4 件）")
    assert _listed(page) == 2


def test_an_unreadable_file_is_explained_beside_the_form(page: Any, live_server: str, tmp_path: Path) -> None:  # noqa: F811
    _login(page, live_server)
    page.goto(f"{live_server}/facilities?body=022047")
    before = _listed(page)
    p = tmp_path / "台帳.csv"
    p.write_bytes("黒石市 公共施設一覧\r\n番号,なまえ\r\n1,会館\r\n".encode("cp932"))
    _upload(page, p)
    assert "エラー（" not in page.locator("h1").inner_text()
    alert = page.locator("#facility-import [role=alert]")
    sync_api.expect(alert).to_contain_text("取り込めませんでした（何も変更していません）")
    sync_api.expect(alert).to_contain_text("必須の列「施設名」がありません")
    assert page.locator("#facility-import #file").is_visible()
    assert _listed(page) == before
    assert page.get_by_role("link", name="施設台帳テンプレート（Excel）").first.get_attribute("href") == "/facilities/template.xlsx"
