"""Pages name rule files the way officers read them: the Japanese name of the file, linked to its section of the
parameters page — never a file name (「renewal.yaml」, 「fees.yaml の decrease」) or a package path."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import openpyxl
import pytest

from kouiki.reference.parameters import file_label
from kouiki.store import session
from kouiki.web.demo_facilities import load_demo_inventories
from tests.web.conftest import HIROSAKI, KUROISHI, Logged

FEES = (f"region=hirosaki&facility_type=ホール（1時間）&rule=max&start_fiscal_year=2026"
        f"&current_{HIROSAKI}=1000&current_{KUROISHI}=800&uses_{HIROSAKI}=100&uses_{KUROISHI}=50")
PAGES = {  # page → the parameters page sections it links to
    "/facilities/renewal?region=hirosaki": ["renewal"],
    "/facilities/infrastructure": ["infrastructure"],
    f"/facilities/fees?{FEES}": ["fees"],
    "/formation/rules": ["formation"],
    "/formation/candidates?prefecture=青森県": ["formation"],
    f"/formation/neighbours?body={HIROSAKI}": ["formation"],
    "/regions/hirosaki/central": ["formation"],
}


@pytest.fixture
def demo(app_users: None) -> Iterator[None]:
    with session() as s:
        load_demo_inventories(s)
    yield


def _visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S))


def test_rule_files_are_named_in_japanese_and_linked_to_the_parameters_page(
    demo: None, login: Callable[[str], Logged]
) -> None:
    u = login("viewer")
    params = u.client.get("/parameters").text
    for path, measures in PAGES.items():
        r = u.client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        text = _visible(r.text)
        assert not re.search(r"\.ya?ml\b", text), (path, re.findall(r".{0,40}\.ya?ml", text))
        for m in measures:
            assert f'href="/parameters#m-{m}"' in r.text, (path, m)
            assert f'id="m-{m}"' in params
            assert file_label(m) and file_label(m) in text, (path, m)


def test_excel_sources_name_the_rules_in_japanese(demo: None, login: Callable[[str], Logged]) -> None:
    import io

    u = login("viewer")
    for path in ("/export/facility-planning/renewal.xlsx?region=hirosaki",
                 "/export/facility-planning/indicators.xlsx?region=hirosaki",
                 f"/export/facility-planning/fees.xlsx?{FEES}", "/export/formation/rules.xlsx"):
        r = u.client.get(path)
        assert r.status_code == 200, path
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
        assert not [c for c in cells if re.search(r"\.ya?ml\b", c)], path
