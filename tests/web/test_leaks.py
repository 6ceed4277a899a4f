"""The leak detector used by the browser tests finds each kind of leak and passes Japanese text."""

from __future__ import annotations

import pytest

from tests.web.leaks import leaks


@pytest.mark.parametrize("text", [
    "包括的財政措置（comprehensive_neighbor）",
    "措置の有無: True",
    "要件: False",
    "上限額: None",
    "補正: {'method': 'flat'}",
    "派遣の種類: ['agreement']",
    "使った値: facility_bond.longevity.bond_rate@2025",
    "ファイル: parameters/comprehensive_central.yaml",
    "rate_schedule",
])
def test_a_leak_is_found(text: str) -> None:
    assert leaks(text), text


@pytest.mark.parametrize("text", [
    "包括的財政措置（近隣市町村） 令和7年度 20,000千円",
    "JSON ・ Excel（.xlsx）・ PDF で保存できます。距離 12.3 km、R7〜R9",
    "措置の有無: はい ／ 補正: 方法: 定額",
    "https://www.soumu.go.jp/main_sosiki/kenkyu/teijyu/index.html",
])
def test_japanese_text_is_not_a_leak(text: str) -> None:
    assert leaks(text) == []
