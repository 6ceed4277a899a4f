"""Facility import through the JSON API and the page (issue 14 points 1–3, issue 18 points 7, 8, 10).

Every write is all-or-nothing: a file with a bad row changes nothing and lists every bad row; importing only
the good rows, or a replacement that removes facilities stored scenarios use, is a second, confirmed step
showing 件数 before/after.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.web.conftest import HIROSAKI, KUROISHI, Logged, template_csv

SPORTS = "スポーツ・レクリエーション系施設"


def _kuroishi(n: int) -> list[tuple[str, str, str, str, str]]:
    return [(f"K{i}", KUROISHI, f"黒石施設{i}", SPORTS, str(1000 + i)) for i in range(1, n + 1)]


def _api_import(u: Logged, code: str, body: bytes, **params: object) -> object:
    return u.client.post(f"/api/facilities/{code}/import", files={"file": ("黒石.csv", body, "text/csv")},
                         params={k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()},
                         headers=u.headers())


def _listed(u: Logged, code: str) -> list[str]:
    return [f["facility_id"] for f in u.client.get(f"/api/facilities?body={code}").json()["facilities"]]


def test_api_refuses_a_cp932_file_with_two_bad_rows_and_keeps_the_43_facilities(login: Callable[[str], Logged]) -> None:
    u = login("other_body")  # 黒石市担当
    assert _api_import(u, KUROISHI, template_csv(_kuroishi(43))).status_code == 200  # type: ignore[attr-defined]
    rows = [*_kuroishi(3), ("K4", KUROISHI, "黒石会館", SPORTS, "99999999999999999999"),
            ("K5", KUROISHI, "黒石体育館", SPORTS, "-1"), ("K6", KUROISHI, "黒石公民館", SPORTS, "1e308"),
            *_kuroishi(0)]
    r = _api_import(u, KUROISHI, template_csv(rows))
    assert r.status_code == 422  # type: ignore[attr-defined]
    d = r.json()  # type: ignore[attr-defined]
    assert d["status"] == "rejected" and not d["imported"]
    assert [(p["row"], p["letter"], p["column"], p["value"]) for p in d["rejected"]] == [
        (5, "E", "延床面積", "99999999999999999999"), (6, "E", "延床面積", "-1"), (7, "E", "延床面積", "1e308")]
    assert all(p["reason"] for p in d["rejected"])
    assert "何も取り込んでいません" in d["detail"]
    assert d["plan"]["before"] == 43 and d["plan"]["after"] == 3
    assert len(_listed(u, KUROISHI)) == 43


def test_api_second_step_only_valid_needs_confirmation_then_replaces(login: Callable[[str], Logged]) -> None:
    u = login("other_body")
    assert _api_import(u, KUROISHI, template_csv(_kuroishi(43))).status_code == 200  # type: ignore[attr-defined]
    body = template_csv([*_kuroishi(5), ("K6", KUROISHI, "", SPORTS, "100"), ("K7", KUROISHI, "黒石館", SPORTS, "x")])
    r = _api_import(u, KUROISHI, body, only_valid=True)
    assert r.status_code == 409  # type: ignore[attr-defined]
    d = r.json()  # type: ignore[attr-defined]
    assert d["status"] == "confirm" and "43 件 → 5 件" in d["detail"] and "まだ何も変更していません" in d["detail"]
    assert len(_listed(u, KUROISHI)) == 43
    r = _api_import(u, KUROISHI, body, only_valid=True, confirm=True, revision=d["plan"]["revision"])
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert r.json()["imported"] and _listed(u, KUROISHI) == ["K1", "K2", "K3", "K4", "K5"]  # type: ignore[attr-defined]
    # a stale revision (the list changed since the preview) is a 409, nothing changes
    r = _api_import(u, KUROISHI, template_csv(_kuroishi(2)), only_valid=True, confirm=True, revision=d["plan"]["revision"])
    assert r.status_code == 409 and "他の利用者が更新しました" in r.json()["detail"]  # type: ignore[attr-defined]
    assert len(_listed(u, KUROISHI)) == 5


def test_api_import_where_every_row_is_rejected_is_a_422_not_a_500(login: Callable[[str], Logged]) -> None:
    u = login("other_body")
    r = _api_import(u, KUROISHI, template_csv([("K1", KUROISHI, "", SPORTS, "1"), ("K2", KUROISHI, "館", SPORTS, "-9")]))
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert r.json()["status"] == "empty" and "1件もない" in r.json()["detail"]  # type: ignore[attr-defined]
    r = _api_import(u, KUROISHI, b"\x00\x01garbage", only_valid=True)
    assert r.status_code == 400  # type: ignore[attr-defined]


def test_api_reimport_that_orphans_a_scenario_lists_it_and_asks(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    for code, rows in ((HIROSAKI, [("H1", HIROSAKI, "弘前体育館", SPORTS, "2000")]), (KUROISHI, _kuroishi(3))):
        assert _api_import(admin, code, template_csv(rows)).status_code == 200  # type: ignore[attr-defined]
    doc = {"start_fiscal_year": 2026, "actions": [{"id": "a1", "type": "consolidate", "fiscal_year": 2028,
                                                    "lead_body": HIROSAKI, "sources": ["K2"], "target": "H1"}]}
    r = admin.client.post("/api/regions/hirosaki/scenarios", json={"name": "体育館の集約", "document": doc},
                          headers=admin.headers())
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    new = template_csv([("K1", KUROISHI, "黒石施設1", SPORTS, "1001"), ("K3", KUROISHI, "黒石施設3", SPORTS, "1003")])
    r = _api_import(admin, KUROISHI, new)
    assert r.status_code == 409  # type: ignore[attr-defined]
    plan = r.json()["plan"]  # type: ignore[attr-defined]
    assert plan["removed_ids"] == ["K2"]
    assert [(a["id"], a["name"], a["facility_ids"]) for a in plan["affected_scenarios"]] == [(sid, "体育館の集約", ["K2"])]
    assert _listed(admin, KUROISHI) == ["K1", "K2", "K3"]
    r = _api_import(admin, KUROISHI, new, confirm=True, revision=plan["revision"])
    assert r.status_code == 200 and _listed(admin, KUROISHI) == ["K1", "K3"]  # type: ignore[attr-defined]


def test_page_shows_every_bad_row_beside_the_form_and_the_second_step(login: Callable[[str], Logged]) -> None:
    u = login("other_body")
    assert _api_import(u, KUROISHI, template_csv(_kuroishi(43))).status_code == 200  # type: ignore[attr-defined]
    body = template_csv([*_kuroishi(5), ("K6", KUROISHI, "黒石会館", SPORTS, "99999999999999999999"),
                         ("K7", KUROISHI, "黒石体育館", SPORTS, "-3")])
    r = u.client.post(f"/facilities/{KUROISHI}/import", files={"file": ("黒石.csv", body, "text/csv")},
                      data={"csrf_token": u.csrf})
    assert r.status_code == 422
    html = r.text
    assert "エラー（" not in html
    section = html[html.index('id="facility-import"'):]
    assert section.index('type="file"') < section.index('id="import-errors"')  # the errors follow the form
    assert "99999999999999999999" in section and "延床面積が大きすぎます" in section and "延床面積は0㎡より大きい値" in section
    assert re.search(r'<td class="num">7</td><td>E</td>', section)
    assert "43 件 → 5 件" in section and "正しい 5 件だけで置き換える" in section
    assert len(_listed(u, KUROISHI)) == 43
    token = re.search(r'name="pending" value="([^"]+)"', section).group(1)  # type: ignore[union-attr]
    revision = re.search(r'name="revision" value="([^"]+)"', section).group(1)  # type: ignore[union-attr]
    # another user cannot use this upload
    other = login("admin")
    r = other.client.post(f"/facilities/{KUROISHI}/import/confirm",
                          data={"csrf_token": other.csrf, "pending": token, "revision": revision})
    assert r.status_code == 400 and "もう一度ファイルを選んで" in r.text
    r = u.client.post(f"/facilities/{KUROISHI}/import/confirm",
                      data={"csrf_token": u.csrf, "pending": token, "revision": revision})
    assert r.status_code == 200, r.text[:500]
    assert "5 件で置き換えました" in r.text and "置き換え前 43 件" in r.text
    assert _listed(u, KUROISHI) == ["K1", "K2", "K3", "K4", "K5"]


def test_page_shows_an_unreadable_file_beside_the_form_not_a_bare_error_page(login: Callable[[str], Logged]) -> None:
    u = login("other_body")
    for name, data in (("x.pdf", b"%PDF"), ("x.csv", b"only,two\r\n"), ("x.xlsx", b"not a zip")):
        r = u.client.post(f"/facilities/{KUROISHI}/import", files={"file": (name, data)}, data={"csrf_token": u.csrf})
        assert r.status_code == 400, (name, r.status_code)
        assert "エラー（400）" not in r.text
        section = r.text[r.text.index('id="facility-import"'):]
        assert "取り込めませんでした（何も変更していません）" in section and 'type="file"' in section
        assert "/facilities/template.xlsx" in section
    r = u.client.get("/facilities/template.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_title_rows_above_the_header_are_skipped_in_the_web(login: Callable[[str], Logged]) -> None:
    u = login("other_body")
    body = "黒石市 公共施設一覧（令和7年3月31日現在）\r\n\r\n".encode("cp932") + template_csv(_kuroishi(2))
    r = _api_import(u, KUROISHI, body)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert r.json()["header_row"] == 3 and _listed(u, KUROISHI) == ["K1", "K2"]  # type: ignore[attr-defined]


def test_renewal_page_says_every_facility_lacks_floor_area_and_build_year(login: Callable[[str], Logged]) -> None:
    from pathlib import Path

    yaizu = Path(__file__).parents[1] / "facilities" / "fixtures" / "222127_public_facility.csv"
    admin = login("admin")
    r = admin.client.post("/api/facilities/222127/import", files={"file": (yaizu.name, yaizu.read_bytes(), "text/csv")},
                          headers=admin.headers())
    assert r.status_code == 200, r.text
    assert r.json()["facilities"] == 230
    html = admin.client.get("/facilities/renewal?body=222127").text
    assert 'id="renewal-all-excluded"' in html
    assert "230 件すべて除外: 延床面積・建築年度がありません" in html and "/facilities/template.xlsx" in html


def test_page_lists_the_scenarios_a_reimport_would_break_and_asks(login: Callable[[str], Logged]) -> None:
    admin = login("admin")
    for code, rows in ((HIROSAKI, [("H1", HIROSAKI, "弘前体育館", SPORTS, "2000")]), (KUROISHI, _kuroishi(3))):
        assert _api_import(admin, code, template_csv(rows)).status_code == 200  # type: ignore[attr-defined]
    doc = {"start_fiscal_year": 2026, "actions": [{"id": "a1", "type": "close", "fiscal_year": 2028,
                                                    "facilities": ["K3"]}]}
    r = admin.client.post("/api/regions/hirosaki/scenarios", json={"name": "黒石3の廃止", "document": doc},
                          headers=admin.headers())
    assert r.status_code == 201, r.text
    new = template_csv(_kuroishi(2))
    r = admin.client.post(f"/facilities/{KUROISHI}/import", files={"file": ("黒石.csv", new, "text/csv")},
                          data={"csrf_token": admin.csrf})
    assert r.status_code == 200
    section = r.text[r.text.index('id="facility-import"'):]
    assert "まだ何も変更していません" in section and 'id="affected-scenarios"' in section and "黒石3の廃止" in section
    assert "置き換える（3 件 → 2 件）" in section
    assert _listed(admin, KUROISHI) == ["K1", "K2", "K3"]
    token = re.search(r'name="pending" value="([^"]+)"', section).group(1)  # type: ignore[union-attr]
    revision = re.search(r'name="revision" value="([^"]+)"', section).group(1)  # type: ignore[union-attr]
    r = admin.client.post(f"/facilities/{KUROISHI}/import/confirm",
                          data={"csrf_token": admin.csrf, "pending": token, "revision": revision})
    assert r.status_code == 200 and _listed(admin, KUROISHI) == ["K1", "K2"]
