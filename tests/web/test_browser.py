"""Browser tests: Debian's chromium (headless) driven by Playwright against a live server on loopback.

Never downloads a browser: Playwright launches ``/usr/bin/chromium`` (``apt-get install chromium``);
skipped with the reason when it is missing. Flow: login → 圏域 → シナリオ → Excel download; a facility name
containing ``<script>`` renders as text; no request leaves the machine; keyboard and contrast basics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kouiki.facilities.model import Facility, Inventory, MajorCategory
from kouiki.store import session
from kouiki.store.facilities import save_inventory
from kouiki.store.users import create_user
from tests.web.live import live_app

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium がありません（apt-get install chromium）"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev dependency) is not installed")

PASSWORD = "browser-test-pw"


@pytest.fixture
def live_server() -> Iterator[str]:

    with session() as s:
        create_user(s, username="admin", password=PASSWORD, role="admin", by="test")
        create_user(s, username="viewer", password=PASSWORD, role="viewer", by="test")
        inv = Inventory([
            Facility("H1", "022021", "弘前体育館", MajorCategory.SPORTS_RECREATION, floor_area_m2=Decimal(2000),
                     built_year=1985, lat=40.60, lon=140.46),
            Facility("K1", "022047", "<script>alert('x')</script>黒石体育館", MajorCategory.SPORTS_RECREATION,
                     floor_area_m2=Decimal(1500), built_year=1990, lat=40.64, lon=140.59),
        ], sources=["ブラウザ試験用の施設"])
        save_inventory(s, "団体:022021", Inventory([inv.facilities[0]], inv.sources), user="test")
        save_inventory(s, "団体:022047", Inventory([inv.facilities[1]], inv.sources), user="test")
    with live_app() as base:
        yield base


@pytest.fixture
def page(live_server: str) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--disable-default-apps"],
        )
        context = browser.new_context(accept_downloads=True, locale="ja-JP")
        pg = context.new_page()
        pg.requests = []  # type: ignore[attr-defined]
        pg.dialogs = []  # type: ignore[attr-defined]
        pg.on("request", lambda r: pg.requests.append(r.url))  # type: ignore[attr-defined]
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
        pg.errors = []  # type: ignore[attr-defined]
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
        pg.set_default_timeout(20_000)
        yield pg
        context.close()
        browser.close()


def _login(pg: Any, base: str, user: str = "admin") -> None:
    pg.goto(f"{base}/regions")
    assert "/login" in pg.url
    pg.get_by_label("利用者名").fill(user)
    pg.get_by_label("パスワード").fill(PASSWORD)
    with pg.expect_navigation(wait_until="domcontentloaded"):
        pg.get_by_role("button", name="ログイン").click()
    assert re.match(r"^http://[^/]+/regions$", pg.url), " ".join(pg.requests)


def test_login_region_scenario_excel_download(page: Any, live_server: str, tmp_path: Path) -> None:
    _login(page, live_server)
    assert page.locator("html").get_attribute("lang") == "ja"
    page.get_by_role("link", name=re.compile("弘前圏域")).first.click()
    page.wait_for_url(re.compile(r".*/regions/hirosaki$"))
    page.wait_for_selector("#map .leaflet-interactive")  # boundaries drawn from the packaged N03 data
    page.get_by_role("link", name="シナリオ", exact=True).click()
    page.get_by_label("シナリオ名").fill("体育館の集約（ブラウザ）")
    page.get_by_label("内容（YAML）").fill(
        "start_fiscal_year: 2026\nactions:\n- id: a1\n  type: consolidate\n  fiscal_year: 2028\n"
        "  lead_body: '022021'\n  sources: [K1]\n  target: H1\n")
    page.get_by_role("button", name="作成する").click()
    sync_api.expect(page.get_by_role("heading", level=1)).to_contain_text("体育館の集約（ブラウザ）")
    assert re.search(r"/scenarios/\d+$", page.url), page.url
    with page.expect_download() as info:
        page.locator("#download-xlsx").click()
    target = tmp_path / "report.xlsx"
    info.value.save_as(target)
    data = target.read_bytes()
    assert data[:2] == b"PK" and len(data) > 2000
    origin = live_server
    outside = [u for u in page.requests if not (u.startswith(origin) or u.startswith("data:") or u.startswith("blob:"))]
    assert outside == []


def test_script_in_a_facility_name_is_text(page: Any, live_server: str) -> None:
    _login(page, live_server, "viewer")
    page.goto(f"{live_server}/facilities?body=022047")
    cell = page.get_by_role("rowheader", name=re.compile("黒石体育館"))
    assert "<script>alert('x')</script>黒石体育館" in cell.inner_text()
    page.goto(f"{live_server}/regions/hirosaki")
    page.wait_for_selector("#map .leaflet-interactive")
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_a_region_map_shows_the_names_of_its_member_municipalities(page: Any, live_server: str) -> None:
    _login(page, live_server, "viewer")
    page.goto(f"{live_server}/regions/hirosaki")
    page.wait_for_selector("#map .map-place-label")
    labels = [t.strip() for t in page.locator("#map .map-place-label").all_inner_texts()]
    members = page.evaluate(
        "fetch('/api/regions/hirosaki/geojson').then(r => r.json())"
        ".then(fc => fc.features.map(f => f.properties.name))")
    assert {"弘前市", "黒石市", "平川市"} <= set(labels)
    assert sorted(labels) == sorted(members)  # one label per member drawn, nothing else
    assert all(lbl.isascii() is False for lbl in labels)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def ch(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4
    r, g, b = (ch(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[int, int, int]:
    nums = [int(float(x)) for x in re.findall(r"[\d.]+", css)[:3]]
    return nums[0], nums[1], nums[2]


def test_keyboard_and_contrast_basics(page: Any, live_server: str) -> None:
    _login(page, live_server)
    page.goto(f"{live_server}/regions")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "本文へ移動"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    pairs = page.evaluate("""() => {
      const out = [];
      const bg = el => { while (el) { const c = getComputedStyle(el).backgroundColor;
        if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; el = el.parentElement; } return 'rgb(255,255,255)'; };
      for (const sel of ['main p', 'table.data td', 'table.data thead th', 'main a', 'button', 'header.top a', 'footer p']) {
        const el = document.querySelector(sel); if (el) out.push([sel, getComputedStyle(el).color, bg(el)]);
      }
      return out; }""")
    assert len(pairs) >= 5
    for sel, fg, bgc in pairs:
        a, b = _luminance(_rgb(fg)), _luminance(_rgb(bgc))
        ratio = (max(a, b) + 0.05) / (min(a, b) + 0.05)
        assert ratio >= 4.5, (sel, fg, bgc, ratio)
