"""The parameters page and ``/api/parameters``: every capability from the one list, the same files both ways."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kouiki.fiscal import catalogue
from kouiki.reference import parameters as rp
from tests.web.conftest import Logged


def test_every_capability_folder_has_a_label() -> None:
    assert list(rp.CAPABILITY_LABELS) and set(rp.CAPABILITY_LABELS) == set(rp.CAPABILITY_FOLDERS)


def test_a_new_capability_is_listed_on_the_page_and_the_api_without_touching_the_route(
    login: Callable[[str], Logged], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a sixth capability declared in the one place (its folder and its label) reaches the page and the API
    monkeypatch.setitem(rp.CAPABILITY_FOLDERS, "trial", "staffing/parameters")
    monkeypatch.setitem(rp.CAPABILITY_LABELS, "trial", "試しの能力")
    monkeypatch.setitem(rp._PACKAGED, "trial", rp.packaged("staffing"))
    v = login("viewer")
    api = v.client.get("/api/parameters").json()["measures"]
    assert "試しの能力" in {m["framework"] for m in api}
    assert "試しの能力" in v.client.get("/parameters").text


def test_page_and_api_list_the_same_files_and_no_dash_for_rounding(login: Callable[[str], Logged]) -> None:
    v = login("viewer")
    api = v.client.get("/api/parameters").json()["measures"]
    frameworks = {m["framework"] for m in api}
    for cap, label in rp.CAPABILITY_LABELS.items():
        if cap != "fiscal":
            assert label in frameworks, cap
    html = v.client.get("/parameters").text
    for m in api:
        assert f'id="m-{m["measure"]}"' in html
    fiscal_ids = {m["measure"] for m in catalogue()}
    others = [m for m in api if m["measure"] not in fiscal_ids]
    assert others and all(m["rounding"] is None for m in others)
    fiscal = [m for m in api if m["measure"] in fiscal_ids]
    assert fiscal and all(m["rounding"] for m in fiscal)  # fiscal files name their rounding rule
    assert "端数処理: —" not in html and f"端数処理: {fiscal[0]['rounding']}" in html


def test_parameter_ids_stand_in_their_own_column_labelled_as_ids(login: Callable[[str], Logged]) -> None:
    page = login("viewer").client.get("/parameters").text
    assert "ID（設定ファイル用）" in page
    assert "<td><code>comprehensive_central.in_force</code></td>" in page
    assert 'title="comprehensive_central.in_force"' not in page  # not hidden in a tooltip of the 内容 cell
