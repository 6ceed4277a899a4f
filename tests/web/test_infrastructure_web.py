"""インフラ資産の更新費用 page: upload → projection (page, JSON, Excel), errors on the page, login and CSRF."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.conftest import HIROSAKI, Logged

GOOD = ("種別,区分,名称,数量,整備年度,単価\r\n道路,一般道路,市道,30000,,\r\n橋梁,,○○橋,120,昭和45年度,\r\n"
        "上水道管,配水管,口径不明,500,平成2年度,\r\n").encode("cp932")


def _post(u: Logged, url: str, body: bytes, name: str = "インフラ.csv", **form: str) -> object:
    return u.client.post(url, files={"file": (name, body, "text/csv")},
                         data={"body": HIROSAKI, "start": "R7", "years": "40", **form}, headers=u.headers())


def test_page_projects_an_upload_and_names_excluded_rows(login: Callable[[str], Logged]) -> None:
    u = login("viewer")  # computing writes nothing: every role may use it
    page = u.client.get("/facilities/infrastructure")
    assert page.status_code == 200 and "448,000円/㎡" in page.text and "入力様式" in page.text
    r = _post(u, "/facilities/infrastructure", GOOD, csrf_token=u.csrf)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    html = r.text  # type: ignore[attr-defined]
    assert "令和7年度から40年間" in html and "4行目（上水道管・口径不明）" in html and "単価" in html
    api = _post(u, "/api/facilities/infrastructure", GOOD).json()  # type: ignore[attr-defined]
    assert api["by_asset"]["道路"][0] == 30000 * 4700 // 15
    assert api["by_asset"]["橋梁"][2030 - 2025] == 120 * 448_000
    assert api["summary"]["rows_excluded"] == 1


def test_excel_download_and_template(login: Callable[[str], Logged]) -> None:
    import io

    import openpyxl

    u = login("body")
    x = _post(u, "/facilities/infrastructure", GOOD, csrf_token=u.csrf, fmt="xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith(  # type: ignore[attr-defined]
        "application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(x.content))  # type: ignore[attr-defined]
    assert wb.sheetnames == ["年度別", "資産"]
    t = u.client.get("/export/facility-planning/infrastructure-template.csv")
    assert t.status_code == 200 and t.content.decode("cp932").startswith("団体コード,種別,区分")


def test_bad_file_is_an_error_on_the_page_and_writes_are_guarded(login: Callable[[str], Logged], anon: object) -> None:
    u = login("viewer")
    bad = "種別,数量\r\n道路,abc\r\n".encode("cp932")
    r = _post(u, "/facilities/infrastructure", bad, csrf_token=u.csrf)
    assert r.status_code == 400 and "インフラ.csv 2行目" in r.text  # type: ignore[attr-defined]
    assert "数量が数値ではありません" in r.text  # type: ignore[attr-defined]
    wrong = _post(u, "/api/facilities/infrastructure", GOOD, name="x.pdf")
    assert wrong.status_code == 400  # type: ignore[attr-defined]
    no_csrf = u.client.post("/api/facilities/infrastructure", files={"file": ("a.csv", GOOD, "text/csv")})
    assert no_csrf.status_code == 403
    assert anon.post("/api/facilities/infrastructure",  # type: ignore[attr-defined]
                     files={"file": ("a.csv", GOOD, "text/csv")}).status_code == 401
