"""Issue 18 (hold the line): membership only by 管理者, safe exports, download names, and friends.

Each test here failed on the main branch it was written against."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from kouiki.store import session
from kouiki.store.audit import recent
from tests.web.conftest import HIROSAKI, KAWANISHI, Logged, template_csv

INJECTION = '=HYPERLINK("http://evil.example/","click")'


# ----- 1. membership -------------------------------------------------------------------------------------

def _region(u: Logged, region_id: str) -> dict[str, object]:
    return u.client.get(f"/api/regions/{region_id}").json()  # type: ignore[no-any-return]


def test_a_region_officer_cannot_add_another_regions_body_to_its_region(login: Callable[[str], Logged]) -> None:
    hirosaki = login("region")
    current = _region(hirosaki, "hirosaki")
    doc = dict(current["document"])  # type: ignore[call-overload]
    doc["members"] = [*doc["members"], {"code": KAWANISHI, "role": "neighbor"}]
    r = hirosaki.client.put("/api/regions/hirosaki", json={"document": doc, "version": current["version"]},
                            headers=hirosaki.headers())
    assert r.status_code == 403, r.text
    assert "管理者" in r.json()["detail"]
    # and so it gains no right over that body's facilities
    csv_body = template_csv([("X1", KAWANISHI, "乗っ取り", "市民文化系施設", "100")])
    imp = hirosaki.client.post(f"/api/facilities/{KAWANISHI}/import", files={"file": ("a.csv", csv_body, "text/csv")},
                               headers=hirosaki.headers())
    assert imp.status_code == 403
    assert KAWANISHI not in {m["code"] for m in _region(hirosaki, "hirosaki")["document"]["members"]}  # type: ignore[index]


def test_a_region_officer_cannot_drop_a_member_or_change_its_role(login: Callable[[str], Logged]) -> None:
    hirosaki = login("region")
    current = _region(hirosaki, "hirosaki")
    doc = dict(current["document"])  # type: ignore[call-overload]
    dropped = doc | {"members": doc["members"][:-1]}
    r = hirosaki.client.put("/api/regions/hirosaki", json={"document": dropped, "version": current["version"]},
                            headers=hirosaki.headers())
    assert r.status_code == 403


def test_a_region_officer_may_still_edit_other_fields_of_its_region(login: Callable[[str], Logged]) -> None:
    hirosaki = login("region")
    current = _region(hirosaki, "hirosaki")
    doc = dict(current["document"]) | {"notes": ["会議の日程を追記"]}  # type: ignore[call-overload]
    r = hirosaki.client.put("/api/regions/hirosaki", json={"document": doc, "version": current["version"]},
                            headers=hirosaki.headers())
    assert r.status_code == 200, r.text


def test_an_admin_changes_members_and_the_change_is_audited_with_before_and_after(
    login: Callable[[str], Logged],
) -> None:
    admin = login("admin")
    current = _region(admin, "hirosaki")
    doc = dict(current["document"])  # type: ignore[call-overload]
    doc["members"] = [*doc["members"], {"code": KAWANISHI, "role": "neighbor"}]
    r = admin.client.put("/api/regions/hirosaki", json={"document": doc, "version": current["version"]},
                         headers=admin.headers())
    assert r.status_code == 200, r.text
    with session() as s:
        entry = next(e for e in recent(s) if e.entity == "region_members")
    assert entry.user == "admin" and entry.entity_id == "hirosaki"
    assert KAWANISHI not in entry.before and entry.after[KAWANISHI] == "neighbor"


# ----- 2. formula injection in exports -------------------------------------------------------------------

def _import_named(u: Logged, code: str, name: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["施設ID", "団体コード", "施設名", "大分類", "延床面積", "建築年度", "緯度", "経度"])
    w.writerow(["F1", code, name, "市民文化系施設", "1200", "1985", "40.60", "140.46"])
    body = buf.getvalue().encode("utf-8")
    r = u.client.post(f"/api/facilities/{code}/import", files={"file": ("a.csv", body, "text/csv")}, headers=u.headers())
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("name", [INJECTION, "+cmd|' /C calc'!A0", "-2+3+cmd", "@SUM(1+1)"])
def test_a_facility_named_like_a_formula_is_text_in_the_xlsx_and_csv_exports(
    login: Callable[[str], Logged], name: str
) -> None:
    admin = login("admin")
    _import_named(admin, HIROSAKI, name)
    x = admin.client.get(f"/export/facilities/{HIROSAKI}.xlsx")
    wb = load_workbook(io.BytesIO(x.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == name and c.data_type == "s" for c in cells)
    text = admin.client.get(f"/export/facilities/{HIROSAKI}.csv?encoding=utf-8-sig").content.decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text)) for f in row]
    assert "'" + name in fields
    assert name not in fields


def test_a_scenario_named_like_a_formula_is_text_in_its_excel_title() -> None:
    from kouiki.reports.excel import workbook_bytes
    from kouiki.reports.table import Column, ReportTable

    table = ReportTable(title=INJECTION, columns=[Column("名前")], rows=[["=1+1"], ["-12"]], source="=cmd")
    wb = load_workbook(io.BytesIO(workbook_bytes(table)))
    ws = wb.active
    assert ws is not None
    assert ws["A1"].value == INJECTION and ws["A1"].data_type == "s"
    assert ws["A4"].data_type == "s"


def test_csv_cells_keep_signed_numbers_but_prefix_formula_triggers() -> None:
    from kouiki.reports.safe import csv_cell

    assert csv_cell("-1234") == "-1234" and csv_cell("+3.5") == "+3.5" and csv_cell(-5) == -5
    for trigger in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(trigger + "A1") == "'" + trigger + "A1"
    assert csv_cell("普通の名前") == "普通の名前"


# ----- 3. download names ---------------------------------------------------------------------------------

def test_a_quote_or_line_break_in_a_scenario_name_does_not_break_the_download_header(
    login: Callable[[str], Logged],
) -> None:
    admin = login("admin")
    r = admin.client.post("/api/regions/hirosaki/scenarios", json={"name": 'A"案\r\nX; filename=evil.exe',
                                                                   "document": {"actions": []}},
                          headers=admin.headers())
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    for fmt in ("xlsx", "csv", "pdf"):
        got = admin.client.get(f"/export/scenarios/{sid}.{fmt}")
        assert got.status_code == 200, (fmt, got.text[:200])
        disposition = got.headers["content-disposition"]
        assert disposition.count("filename=") == 1 and "\r" not in disposition and "\n" not in disposition
        assert 'filename="' in disposition and "filename*=UTF-8''" in disposition
        fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert fallback.isascii() and fallback.endswith(f".{fmt}")
