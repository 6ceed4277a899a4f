"""Pages in Japanese, offline (only local URLs), escaped text, accessibility basics; Excel/CSV/PDF outputs."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from importlib import resources

import pytest
from openpyxl import load_workbook

from tests.web.conftest import HIROSAKI, KUROISHI, Logged, template_csv

PAGES = ["/regions", "/regions/hirosaki", "/regions/hirosaki/central", f"/facilities?body={HIROSAKI}",
         "/fiscal?region=hirosaki", "/parameters", "/staffing",
         "/regions/hirosaki/scenarios", "/admin/audit", "/admin/users", "/admin/users/1", "/account",
         "/staffing/plan?region=hirosaki", "/staffing/training", "/staffing/advisor?body=西目屋村&field=広域連携",
         "/facilities/infrastructure"]
URL_ATTR = re.compile(r'(?:src|href|action|data-[a-z-]+)="([^"]*)"')
CITATION_LINK = re.compile(r'<a href="https?://[^"]*" rel="external noopener noreferrer"(?= *>)')


def _scenario(admin: Logged) -> int:
    for code, fid, name, area in ((HIROSAKI, "H1", "弘前体育館", "2000"), (KUROISHI, "K1", "黒石体育館", "1500")):
        csv = template_csv([(fid, code, name, "スポーツ・レクリエーション系施設", area)])
        r = admin.client.post(f"/api/facilities/{code}/import", files={"file": ("f.csv", csv)}, headers=admin.headers())
        assert r.status_code == 200, r.text
    doc = {"start_fiscal_year": 2026, "horizon_years": 40, "actions": [
        {"id": "a1", "type": "consolidate", "fiscal_year": 2028, "lead_body": HIROSAKI, "sources": ["K1"], "target": "H1"}]}
    r = admin.client.post("/api/regions/hirosaki/scenarios", json={"name": "体育館の集約", "document": doc},
                          headers=admin.headers())
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_every_page_is_japanese_and_references_only_local_urls(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    sid = _scenario(admin)
    for path in [*PAGES, f"/scenarios/{sid}", f"/regions/hirosaki/compare?ids={sid}", "/login"]:
        r = admin.client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        html = r.text
        assert '<html lang="ja">' in html
        # A citation (「出典」 of a region) links to its page on the web: a plain <a rel="external"> loads nothing
        # by itself, so it is the only remote URL a page may carry.
        html = CITATION_LINK.sub("<a", html)
        for url in URL_ATTR.findall(html):
            assert not re.match(r"^(https?:)?//", url), (path, url)
        assert "default-src 'self'" in r.headers["content-security-policy"]


def test_vendored_css_loads_nothing_remote() -> None:
    static = resources.files("kouiki.web").joinpath("static")
    for name in ("app.css", "vendor/leaflet/leaflet.css"):
        css = static.joinpath(name).read_text(encoding="utf-8")
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        for url in re.findall(r"url\(([^)]*)\)", css):
            assert not re.match(r"^['\"]?(https?:)?//", url), (name, url)
        assert "@import" not in css


def test_facility_name_with_script_renders_as_text(login: Callable[[str], Logged]) -> None:
    u = login("body")
    csv = template_csv([("X1", HIROSAKI, "<script>alert(1)</script>会館", "市民文化系施設", "100")], encoding="utf-8")
    assert u.client.post(f"/api/facilities/{HIROSAKI}/import", files={"file": ("x.csv", csv)},
                         headers=u.headers()).status_code == 200
    html = u.client.get(f"/facilities?body={HIROSAKI}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;会館" in html
    assert "<script>alert(1)" not in html


def test_forms_have_labels_and_charts_have_tables(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    for path in PAGES:
        html = admin.client.get(path).text
        ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
        visible = {i for i in ids if not re.search(rf'<input[^>]*type="hidden"[^>]*id="{i}"', html)}
        labels = set(re.findall(r'<label for="([^"]+)"', html))
        aria = set(re.findall(r'id="([^"]+)"[^>]*aria-label=', html))
        assert visible <= labels | aria, (path, visible - labels - aria)
        assert 'class="skip" href="#main"' in html
        if 'id="map"' in html:  # every map says which table holds the same data
            assert 'role="img"' in html and "<table" in html


def test_pages_need_login_and_forms_need_csrf(login: Callable[[str], Logged]) -> None:
    u = login("region")
    r = u.client.post("/regions/hirosaki/scenarios", data={"name": "x", "document": "actions: []"})
    assert r.status_code == 403
    r = u.client.post("/regions/hirosaki/scenarios", data={"name": "x", "document": "actions: []", "csrf_token": u.csrf},
                      follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/scenarios/")


def test_form_edit_conflict_keeps_the_users_text(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    sid = _scenario(admin)
    page = admin.client.get(f"/scenarios/{sid}").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    form = {"name": "A案", "document": "start_fiscal_year: 2026\nactions: []\n", "version": version.group(1),
            "csrf_token": admin.csrf}
    assert admin.client.post(f"/scenarios/{sid}", data=form, follow_redirects=False).status_code == 303
    stale = form | {"name": "B案", "document": "description: 私の変更\nactions: []\n"}
    r = admin.client.post(f"/scenarios/{sid}", data=stale)
    assert r.status_code == 409
    assert "他の利用者" in r.text and "私の変更" in r.text


# ----- outputs ------------------------------------------------------------------------------------------

def test_scenario_excel_has_title_unit_source_wareki_and_a4(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    sid = _scenario(admin)
    r = admin.client.get(f"/export/scenarios/{sid}.xlsx")
    assert r.status_code == 200
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["団体別前後比較"]
    assert "体育館の集約" in ws["A1"].value
    assert "（単位：千円）" in [c.value for c in ws[2]]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9  # A4
    assert ws.print_area
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(v.startswith("出典：") for v in cells)
    yen_cells = [c for row in ws.iter_rows(min_row=4) for c in row if c.number_format == "#,##0,"]
    assert yen_cells and all(isinstance(c.value, int) for c in yen_cells)  # exact yen, shown in 千円
    years = wb["年度別費用"]
    headers = [c.value for c in years[3]]
    assert "令和8年度" in headers and "令和9年度" in headers


def test_csv_is_cp932_by_default_and_utf8_bom_on_request(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    r = v.client.get("/export/regions.csv")
    text = r.content.decode("cp932")
    assert text.startswith("圏域一覧") and "出典：" in text
    bom = v.client.get("/export/regions.csv?encoding=utf-8-sig").content
    assert bom.startswith(b"\xef\xbb\xbf") and "弘前" in bom.decode("utf-8-sig")
    assert v.client.get("/export/regions.csv?encoding=latin-1").status_code == 400


@pytest.mark.slow
def test_scenario_pdf_is_a4_with_the_japanese_font_embedded(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    sid = _scenario(admin)
    r = admin.client.get(f"/export/scenarios/{sid}.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pdf = r.content
    assert b"/FontFile2" in pdf  # TrueType program embedded (subset)
    assert b"BIZUDPGothic" in pdf
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4 portrait
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 4  # summary, chart+map, financing, assumptions
