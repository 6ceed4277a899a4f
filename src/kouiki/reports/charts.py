"""Charts of the 総合管理計画: the 40-year 更新費用 stacked bar (with the recent 5-year 投資的経費 line) and
延床面積 by 建築年度 (with the 1981 新耐震 line). PNG or SVG by the file suffix, Japanese font bundled.

Uses ``matplotlib.figure.Figure`` directly (no pyplot global state, no display needed).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kouiki.facilities.indicators import FloorArea, _params
from kouiki.facilities.model import MajorCategory
from kouiki.facilities.renewal import RenewalResult
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reports.fonts import register_matplotlib

# Colour-universal-design-minded palette (CUD 推奨配色 order), one per 大分類 / kind; hatches add a
# non-colour cue so printed grey copies stay readable.
_PALETTE = ["#005AFF", "#FF4B00", "#03AF7A", "#4DC4FF", "#F6AA00", "#990099", "#804000",
            "#FF8082", "#84919E", "#FFF100", "#C9ACE6", "#77D9A8", "#000000"]
_HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--", "||", "**", "OO", "//.", ""]
_KIND_COLOURS = {"大規模改修": "#4DC4FF", "建替え": "#005AFF", "積み残し": "#F6AA00", "修繕": "#03AF7A"}
_UNITS = {"億円": 100_000_000, "百万円": 1_000_000, "千円": 1_000}


class ChartError(KouikiError, ValueError):
    """A chart that cannot be written (unknown format or unit)."""


def _check_path(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ChartError(f"図の形式は .png か .svg です: {path.name}")
    return fmt


def _scaled(values: list[int], unit: str) -> list[float]:
    # Display only: exact yen stay in the data; the chart needs floats in 億円.
    d = _UNITS[unit]
    return [float(Decimal(v) / d) for v in values]


def renewal_chart(
    result: RenewalResult,
    path: Path | str,
    *,
    stack: str = "kind",
    unit: str = "億円",
    title: str | None = None,
    body_label: str | None = None,
    compare: RenewalResult | None = None,
) -> Path:
    """The classic 更新費用 chart: stacked bars by 年度 (by kind or by 大分類), the recent 5-year
    投資的経費 average as a horizontal line when given, 40年総額 and 年平均 in the legend box."""
    path = Path(path)
    fmt = _check_path(path)
    if unit not in _UNITS:
        raise ChartError(f"単位が不明です: {unit}（{', '.join(_UNITS)}）")
    register_matplotlib()
    from matplotlib.figure import Figure

    series = result.by_kind if stack == "kind" else result.by_category
    if stack not in ("kind", "category"):
        raise ChartError(f"積み上げの単位は kind か category です: {stack}")
    fig = Figure(figsize=(11.69, 8.27), dpi=100)  # A4 landscape
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(result.years)))
    bottom = [0.0] * len(x)
    for i, (name, values) in enumerate(series.items()):
        if not any(values):
            continue
        ys = _scaled(values, unit)
        colour = _KIND_COLOURS.get(name) if stack == "kind" else _PALETTE[list(MajorCategory).index(MajorCategory(name)) % len(_PALETTE)]
        ax.bar(x, ys, bottom=bottom, label=name, color=colour, hatch=_HATCHES[i % len(_HATCHES)], edgecolor="white", linewidth=0.3)
        bottom = [b + y for b, y in zip(bottom, ys, strict=True)]
    avg = result.annual_average_yen
    ax.axhline(_scaled([avg], unit)[0], color="#FF4B00", linestyle="--", linewidth=1.2, label=f"試算期間の年平均 {_scaled([avg], unit)[0]:,.1f}{unit}")
    if compare is not None:
        ax.plot(x, _scaled(compare.total_yen, unit), color="#03AF7A", marker="o", markersize=3, linewidth=1.5,
                label=f"{compare.parameters.scenario}（{compare.parameters.title}）")
    recent = result.recent_average_yen()
    if recent is not None:
        ax.axhline(_scaled([recent], unit)[0], color="#000000", linestyle="-", linewidth=1.5, label=f"直近5年平均 投資的経費 {_scaled([recent], unit)[0]:,.1f}{unit}")
    ticks = [i for i in x if (result.years[i] - result.years[0]) % 5 == 0]
    ax.set_xticks(ticks, [FiscalYear(result.years[i]).short() for i in ticks])
    ax.set_xlabel("年度")
    ax.set_ylabel(f"更新費用（{unit}）")
    total = _scaled([result.total], unit)[0]
    head = title or f"将来の更新費用の推計（{FiscalYear(result.years[0]).wareki()}から{len(result.years)}年間）"
    if body_label:
        head = f"{body_label} {head}"
    if result.imputed:
        head += "【推計値を含む】"
    ax.set_title(f"{head}\n{len(result.years)}年間の総額 {total:,.1f}{unit}・年平均 {_scaled([avg], unit)[0]:,.1f}{unit}")
    ax.legend(loc="upper right", fontsize=9)
    ax.grid(axis="y", linewidth=0.3)
    note = f"出典: kouiki 更新費用試算（{result.parameters.rules_label}）"
    if result.imputed:
        note += f"\n※ 延床面積・建築年度に推計値（実際の値ではない）を含む施設 {len(result.imputed)}件"
    if result.excluded:
        note += f"\n※ 延床面積または建築年度が不明のため除外 {len({e['facility_id'] for e in result.excluded})}件"
    fig.text(0.01, 0.01, note, fontsize=8, va="bottom")
    fig.subplots_adjust(bottom=0.16)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=fmt)
    return path


def floor_area_by_year_chart(fa: FloorArea, path: Path | str, *, title: str | None = None) -> Path:
    """延床面積 by 建築年度, stacked by 大分類, with the 1981 新耐震 line."""
    path = Path(path)
    fmt = _check_path(path)
    register_matplotlib()
    from matplotlib.figure import Figure

    if not fa.by_built_year:
        raise ChartError("建築年度の分かる延床面積がないため、図を描けません")
    years = list(range(min(fa.by_built_year), max(fa.by_built_year) + 1))
    fig = Figure(figsize=(11.69, 8.27), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    bottom = [0.0] * len(years)
    for i, cat in enumerate(MajorCategory):
        ys = [float(fa.by_built_year.get(y, {}).get(cat.value, Decimal(0))) for y in years]
        if not any(ys):
            continue
        ax.bar(years, ys, bottom=bottom, label=cat.value, color=_PALETTE[i % len(_PALETTE)], hatch=_HATCHES[i % len(_HATCHES)], edgecolor="white", linewidth=0.3)
        bottom = [b + y for b, y in zip(bottom, ys, strict=True)]
    last_old = int(_params()["new_seismic"]["last_old_fiscal_year"])
    ax.axvline(last_old + 0.5, color="#FF4B00", linestyle="--", linewidth=1.5)
    top = max(bottom) if bottom else 0
    ax.text(last_old + 0.7, top * 0.95, f"新耐震基準\n（{FiscalYear(last_old + 1).wareki()}以降）", color="#FF4B00", fontsize=9, va="top")
    share = fa.to_dict()["seismic"]["old_share_percent"]
    ax.set_xlabel("建築年度")
    ax.set_ylabel("延床面積（㎡）")
    mark = "【推計値を含む】" if fa.imputed_m2 else ""
    ax.set_title(title or f"建築年度別の延床面積（旧耐震 {share}%）{mark}")
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    ax.grid(axis="y", linewidth=0.3)
    note = "出典: kouiki 施設台帳集計"
    if fa.imputed_m2:
        note += f"\n※ 推計値（実際の値ではない）を含む: {float(fa.imputed_m2):,.0f}㎡ / {float(fa.total_m2):,.0f}㎡"
    if fa.unknown_year_m2:
        note += f"\n※ 建築年度不明 {float(fa.unknown_year_m2):,.0f}㎡ は図に含まない"
    fig.text(0.01, 0.01, note, fontsize=8, va="bottom")
    fig.subplots_adjust(bottom=0.14)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=fmt)
    return path
