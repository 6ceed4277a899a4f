"""A4 PDF reports (reportlab) with the bundled Japanese font embedded (BIZ UDPゴシック, OFL).

The font file ships in ``kouiki/reports/fonts/``; reportlab embeds the subset actually used, so the PDF
looks the same on Windows, on an LGWAN PC without the font, and printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kouiki.reference.calendar import wareki_date
from kouiki.reports.fonts import font_path
from kouiki.reports.table import ColumnKind, ReportTable, display

FONT = "KouikiJP"


@cache
def register_font() -> str:
    """Register the bundled TTF with reportlab (embedded as a subset in every PDF); return its name."""
    pdfmetrics.registerFont(TTFont(FONT, str(font_path())))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    register_font()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=6 * mm),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table_flowables(table: ReportTable, max_columns: int = 10, lead_columns: int = 1) -> list[Any]:
    """The table as reportlab flowables: title, unit, the grid (wide tables split into column blocks), 出典."""
    st = styles()
    table.check()
    out: list[Any] = [Paragraph(_esc(table.title), st["h2"])]
    if table.unit_label:
        out.append(Paragraph(table.unit_label, ParagraphStyle("u", parent=st["small"], alignment=2)))
    n = len(table.columns)
    lead = list(range(min(lead_columns, n)))
    rest = list(range(len(lead), n))
    per_block = max(1, max_columns - len(lead))
    blocks = [rest[i:i + per_block] for i in range(0, len(rest), per_block)] or [[]]
    for block in blocks:
        idx = lead + block
        data = [[Paragraph(_esc(table.columns[j].header), st["cell"]) for j in idx]]
        for row in table.rows:
            data.append([Paragraph(_esc(display(row[j], table.columns[j].kind)), st["cell"]) for j in idx])
        t = Table(data, repeatRows=1, hAlign="LEFT")
        style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        for k, j in enumerate(idx):
            if table.columns[j].kind in (ColumnKind.YEN, ColumnKind.INT, ColumnKind.DECIMAL):
                style.append(("ALIGN", (k, 1), (k, -1), "RIGHT"))
        t.setStyle(TableStyle(style))
        out += [t, Spacer(1, 2 * mm)]
    out.append(Paragraph(_esc(f"出典：{table.source}"), st["small"]))
    for note in table.notes:
        out.append(Paragraph(_esc(f"注：{note}"), st["small"]))
    return out


def _png(fig: Any) -> BytesIO:
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    buf.seek(0)
    return buf


def cost_chart_png(years: Sequence[int], baseline: Sequence[int], scenario: Sequence[int], title: str) -> BytesIO:
    """40-year chart: total cost per 年度, 現状維持 vs シナリオ (億円; exact yen stay in the tables)."""
    from matplotlib.figure import Figure

    from kouiki.reports.fonts import register_matplotlib

    register_matplotlib()
    fig = Figure(figsize=(10, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(years)))
    oku = Decimal(100_000_000)
    ax.bar([i - 0.2 for i in x], [float(Decimal(v) / oku) for v in baseline], width=0.4, label="現状維持",
           color="#84919E")
    ax.bar([i + 0.2 for i in x], [float(Decimal(v) / oku) for v in scenario], width=0.4, label="シナリオ",
           color="#005AFF", hatch="//", edgecolor="white", linewidth=0.2)
    from kouiki.reference.calendar import FiscalYear

    ticks = [i for i in x if i % 5 == 0]
    ax.set_xticks(ticks, [FiscalYear(years[i]).short() for i in ticks])
    ax.set_ylabel("億円")
    ax.set_title(title)
    ax.legend()
    ax.grid(axis="y", linewidth=0.3)
    fig.tight_layout()
    return _png(fig)


def map_png(boundaries: dict[str, Any], points: Sequence[tuple[float, float, bool]], title: str) -> BytesIO:
    """Members' boundaries (N03) and facility points; closed facilities grey crosses, open ones orange dots."""
    from matplotlib.figure import Figure

    from kouiki.reports.fonts import register_matplotlib

    register_matplotlib()
    fig = Figure(figsize=(7, 6))
    ax = fig.add_subplot(1, 1, 1)
    for feat in boundaries.get("features", []):
        geom = feat["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        central = feat["properties"].get("role") == "central"
        for poly in polys:
            xs = [p[0] for p in poly[0]]
            ys = [p[1] for p in poly[0]]
            ax.fill(xs, ys, facecolor="#9cc3e6" if not central else "#5b95cf", edgecolor="#0b3d6b", linewidth=0.6)
    open_pts = [(lon, lat) for lat, lon, closed in points if not closed]
    closed_pts = [(lon, lat) for lat, lon, closed in points if closed]
    if open_pts:
        ax.scatter([p[0] for p in open_pts], [p[1] for p in open_pts], s=6, color="#FF4B00", label="存続する施設", zorder=3)
    if closed_pts:
        ax.scatter([p[0] for p in closed_pts], [p[1] for p in closed_pts], s=30, color="#333333", marker="x",
                   label="廃止・集約される施設", zorder=4)
    ax.set_aspect(1.2)
    ax.set_axis_off()
    ax.set_title(title)
    if open_pts or closed_pts:
        ax.legend(loc="lower left", fontsize=8)
    fig.text(0.01, 0.01, "境界: 国土数値情報（行政区域データ）（国土交通省）を加工して作成", fontsize=7)
    fig.tight_layout()
    return _png(fig)


def build_pdf(story: list[Any], title: str, landscape_pages: bool = False) -> bytes:
    register_font()
    buf = BytesIO()
    size = landscape(A4) if landscape_pages else A4

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(15 * mm, 8 * mm, f"{title}　作成: kouiki　{wareki_date(dt.date.today())}")
        canvas.drawRightString(size[0] - 15 * mm, 8 * mm, f"{doc.page} ページ")
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author="kouiki", lang="ja")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def scenario_report_pdf(
    region: Any, scenario_name: str, evaluation: dict[str, Any], facilities: Sequence[Any],
    tables: Sequence[ReportTable], boundaries: dict[str, Any] | None = None,
) -> bytes:
    """協議会用 A4 report: summary, before/after per body, 40-year chart, map, financing per 年度, assumptions.

    ``tables`` are (in order) before/after per body, yearly costs, financing, actions — as built by
    :mod:`kouiki.web.scenario_report`; ``boundaries`` a GeoJSON FeatureCollection of the members.
    """
    st = styles()
    title = f"{region.name} シナリオ「{scenario_name}」"
    fa = evaluation["floor_area"]
    costs = evaluation["costs"]
    story: list[Any] = [Paragraph(_esc(title), st["title"])]
    summary = [
        f"延床面積: {Decimal(fa['before_m2']):,} ㎡ → {Decimal(fa['after_m2']):,} ㎡（{Decimal(fa['change_m2']):+,} ㎡）",
        f"{len(costs['years'])}年間の費用（名目）: 現状維持 {costs['nominal']['baseline_yen'] // 1000:,} 千円、"
        f"シナリオ {costs['nominal']['scenario_yen'] // 1000:,} 千円、差額 {costs['nominal']['savings_yen'] // 1000:,} 千円",
        f"割引後の差額: {costs['discounted']['savings_yen'] // 1000:,} 千円（割引率 {costs['discount_rate']}）",
    ]
    for line in summary:
        story.append(Paragraph(_esc(line), st["base"]))
    before_after, yearly, financing, actions = tables
    story += table_flowables(before_after, max_columns=9, lead_columns=2)
    story += table_flowables(actions, max_columns=7)
    story.append(PageBreak())
    story.append(Paragraph("40年間の費用の推移", st["h2"]))
    story.append(Image(cost_chart_png(costs["years"], costs["baseline"]["total_yen"], costs["scenario"]["total_yen"],
                                      "年度別の総費用（更新費用＋運営費＋事業費）"), width=180 * mm, height=76 * mm))
    story.append(Paragraph("図のデータは「年度別費用」の表（Excel 版の同名シート）にあります。", st["small"]))
    if boundaries is not None:
        closed = {fid for a in evaluation["scenario"]["actions"] for fid in
                  (a.get("sources", []) if a.get("type") == "consolidate" else
                   a.get("facilities", []) if a.get("type") in ("close", "demolish") else [])}
        pts = [(f.lat, f.lon, f.facility_id in closed) for f in facilities if f.lat is not None and f.lon is not None]
        story.append(Paragraph("施設の配置", st["h2"]))
        story.append(Image(map_png(boundaries, pts, f"{region.name}の施設（シナリオ後）"), width=140 * mm, height=120 * mm))
    story.append(PageBreak())
    story += table_flowables(financing, max_columns=8, lead_columns=1)
    story += table_flowables(yearly, max_columns=9, lead_columns=2)
    story.append(PageBreak())
    story.append(Paragraph("前提条件", st["h2"]))
    assumptions = [
        f"評価期間: {evaluation['scenario']['start_fiscal_year']}年度から{evaluation['scenario']['horizon_years']}年間",
        f"割引率の根拠: {costs.get('discount_rule', '')}",
        f"更新費用の単価等: {costs.get('renewal_parameters', '')}",
        f"延床面積の要件: {fa.get('reduced_rule', '')}",
    ]
    acc = evaluation.get("access", {})
    travel = acc.get("travel", {})
    if travel:
        assumptions.append(f"所要時間: {travel.get('formula', '')}（{travel.get('mode_label', '')}、迂回率 "
                           f"{travel.get('circuity', '')}、時速 {travel.get('speed_kmh', '')}km）。根拠: {travel.get('citation', '')}")
    demand = acc.get("demand", {})
    if demand:
        assumptions.append(f"需要: {demand.get('rule', '')}")
    for n in evaluation.get("inventory", {}).get("notes", []):
        assumptions.append(f"施設データ: {n}")
    for src in evaluation.get("inventory", {}).get("sources", []):
        assumptions.append(f"施設データの出典: {src}")
    for n in evaluation.get("financing", {}).get("notes", []):
        assumptions.append(f"財源: {n}")
    if fa.get("imputed"):
        assumptions.append(f"推計値: {fa.get('imputed_note', '')}（{len(fa['imputed'])}件、規則は JSON 出力の imputed に記載）")
    for a in assumptions:
        story.append(Paragraph(_esc("・" + a), st["base"]))
    return build_pdf(story, title)
