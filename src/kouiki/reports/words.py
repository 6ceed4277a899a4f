"""Words for values a person reads: never a raw ``True`` or ``{'method': 'flat'}`` on a screen.

Shared by the CLI printers and the web filters (``yesno``, ``kv``, ``gap_pct``, ``dist``): booleans as
はい/いいえ, mappings as labelled 「項目: 値」 pairs, the optimiser's relative gap as a percentage and distances
rounded (km to 1 decimal, minutes to whole minutes).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# Keys that appear in engine details and parameter mappings, with their Japanese label.
KEY_LABELS: dict[str, str] = {
    "method": "方法",
    "flat": "定額",
    "rate": "率",
    "note": "注",
    "covered_share": "閾値内の人口の割合",
    "site_cost_yen": "施設の費用（円）",
    "travel_yen_per_unit": "移動費用の単価（円）",
    "floor_area_today_m2": "現在の延床面積（㎡）",
    "unknown_fixed_cost": "固定費が不明な施設",
    "restricted_pairs": "候補の絞り込み",
    "p": "残す施設数",
    "k_nearest": "近い候補の数",
}

STATUS_LABELS: dict[str, str] = {
    "optimal": "最適解",
    "gap_reached": "目標ギャップに到達",
    "time_limit": "時間切れ（暫定解）",
    "stopped": "途中で停止（暫定解）",
    "infeasible": "解なし（条件を満たす配置がありません）",
}

MODEL_LABELS: dict[str, str] = {
    "p-median": "p-メディアン（平均距離の最小化）",
    "cp-median": "容量付き p-メディアン",
    "mclp": "最大被覆（MCLP）",
    "lscp": "集合被覆（LSCP）",
    "consolidate": "集約（費用の最小化）",
}


def yes_no(value: Any) -> str:
    """True → はい, False → いいえ, None → 不明; anything else as text."""
    if value is None:
        return "不明"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return str(value)


def label(key: str) -> str:
    """The Japanese label of a detail/parameter key (the key itself when it has none)."""
    return KEY_LABELS.get(key, key)


def value_text(value: Any) -> str:
    """A value as words: booleans and None in Japanese, mappings as 「項目: 値」, lists joined by 「、」."""
    if value is None or isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, Mapping):
        return mapping_text(value)
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(value_text(v) for v in value)
    if isinstance(value, str):
        return KEY_LABELS.get(value, value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def mapping_text(mapping: Mapping[str, Any]) -> str:
    """{'method': 'flat', 'rate': 0.5} → 「方法: 定額、率: 0.5」."""
    return "、".join(f"{label(str(k))}: {value_text(v)}" for k, v in mapping.items())


def gap_percent(gap: float | None) -> str:
    """The optimiser's relative gap as a percentage: 0.00123 → 「0.12%」; None → 不明."""
    if gap is None:
        return "不明"
    return f"{gap * 100:.2f}%"


def distance(value: float | Decimal | None, unit: str = "km") -> str:
    """Distances rounded for reading: km to 1 decimal (「12.3 km」), minutes to whole minutes (「15 分」)."""
    if value is None:
        return "到達不能"
    v = float(value)
    if unit == "minutes":
        return f"{v:,.0f} 分"
    return f"{v:,.1f} km"


def share_percent(value: float | None) -> str:
    """0.9962 → 「99.6%」; None → 不明."""
    return "不明" if value is None else f"{value * 100:.1f}%"


def area_m2(value: Any) -> str:
    """Floor area with thousands separators, no unit: 540100 → 「540,100」, 1234.5 → 「1,234.50」; None → 不明."""
    if value is None or value == "":
        return "不明"
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,.2f}"
