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
from kouiki.reports.table import ColumnKind, Named, ReportTable, display

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
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm,
                             keepWithNext=1),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


NUMERIC = (ColumnKind.YEN, ColumnKind.INT, ColumnKind.DECIMAL)
FRAME_WIDTH = A4[0] - 30 * mm  # portrait A4 with 15 mm margins
_PAD = 6  # points of cell padding (left + right)


def _text(value: Any, kind: ColumnKind) -> str:
    """A cell as printed on the page: like CSV, but ㎡ and other decimals get thousands separators too."""
    if kind is ColumnKind.DECIMAL and isinstance(value, int | Decimal):
        return f"{value:,}"
    return display(value, kind)


def _cell_text_width(text: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, FONT, size)) + _PAD


def _cell(value: Any, kind: ColumnKind, style: ParagraphStyle) -> Any:
    """A number is a plain string (one line, never wrapped); text a Paragraph (wraps); names carry their IDs as a
    small grey second line."""
    if kind in NUMERIC and value is not None:
        return _text(value, kind)
    if isinstance(value, Named) and value.entries:
        small = max(5.0, style.fontSize - 2)
        parts = [f'{_esc(n)}<br/><font size="{small}" color="#555555">{_esc(i)}</font>' if i and i != n else _esc(n)
                 for n, i in value.entries]
        return Paragraph("<br/>".join(parts), style)
    return Paragraph(_esc(display(value, kind)), style)


def _fit(table: ReportTable, idx: list[int], width: float) -> tuple[float, list[float]] | None:
    """Font size and column widths so every number fits on one line: numbers get their widest cell, text columns
    share the rest (at least 14 mm each). None when even 6 pt does not fit."""
    size = 7.5
    while size >= 6:
        num_w: dict[int, float] = {}
        for j in idx:
            col = table.columns[j]
            if col.kind in NUMERIC:
                texts = [_text(r[j], col.kind) for r in table.rows if r[j] is not None] or ["不明"]
                num_w[j] = max(max(_cell_text_width(t, size) for t in texts), 12 * mm)
        text_cols = [j for j in idx if j not in num_w]
        rest = width - sum(num_w.values())
        if rest >= 14 * mm * len(text_cols):
            # text columns: in proportion to their content, within what is left
            want = {j: max(14 * mm, min(60 * mm, max((_cell_text_width(str(r[j] or ""), size) for r in table.rows),
                                                      default=14 * mm))) for j in text_cols}
            total = sum(want.values()) or 1
            scale = min(1.0, rest / total)
            widths = [num_w[j] if j in num_w else want[j] * scale for j in idx]
            return size, widths
        size -= 0.5
    return None


def _blocks(table: ReportTable, lead: list[int], rest: list[int], per_block: int, width: float) -> list[list[int]]:
    """Column blocks (lead columns repeated) narrow enough to fit the frame."""
    blocks: list[list[int]] = []
    i = 0
    while i < len(rest):
        n = min(per_block, len(rest) - i)
        while n > 1 and _fit(table, lead + rest[i:i + n], width) is None:
            n -= 1
        blocks.append(rest[i:i + n])
        i += n
    return blocks or [[]]


def table_flowables(table: ReportTable, max_columns: int = 10, lead_columns: int = 1,
                    width: float = FRAME_WIDTH) -> list[Any]:
    """The table as reportlab flowables: title, unit, the grid (wide tables split into column blocks), 出典.

    Numbers are right-aligned on one line with thousands separators; the font shrinks (7.5 → 6 pt) or the table
    splits into column blocks rather than wrap a number.
    """
    st = styles()
    table.check()
    out: list[Any] = [Paragraph(_esc(table.title), st["h2"])]
    if table.unit_label:
        out.append(Paragraph(table.unit_label, ParagraphStyle("u", parent=st["small"], alignment=2, keepWithNext=1)))
    n = len(table.columns)
    lead = list(range(min(lead_columns, n)))
    rest = list(range(len(lead), n))
    per_block = max(1, max_columns - len(lead))
    for block in _blocks(table, lead, rest, per_block, width):
        idx = lead + block
        fit = _fit(table, idx, width)
        size, widths = fit if fit is not None else (6.0, [width / len(idx)] * len(idx))
        cell = ParagraphStyle("cell", parent=st["cell"], fontSize=size, leading=size + 2)
        head = ParagraphStyle("head", parent=cell, alignment=1)
        data: list[list[Any]] = [[Paragraph(_esc(table.columns[j].header), head) for j in idx]]
        for row in table.rows:
            data.append([_cell(row[j], table.columns[j].kind, cell) for j in idx])
        t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), size),
                 ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("LEFTPADDING", (0, 0), (-1, -1), _PAD / 2),
                 ("RIGHTPADDING", (0, 0), (-1, -1), _PAD / 2),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        for k, j in enumerate(idx):
            if table.columns[j].kind in NUMERIC:
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
    result: Any, ctx: Any, tables: Sequence[ReportTable], facilities: Sequence[Any] = (),
    boundaries: dict[str, Any] | None = None, *, headline: Sequence[str] = (), notes: Sequence[str] = (),
) -> bytes:
    """協議会用 A4 report: summary and warnings, before/after per body, actions, 実質負担 per body and its sharing,
    the 40-year chart, the map, financing per 年度, assumptions — every figure from ``result`` (a
    :class:`~kouiki.facilities.result.ScenarioResult`) via the tables, ``headline`` and ``notes`` that
    :mod:`kouiki.reports.scenario` builds (passed in, so this page layout does not import its builder)."""
    st = styles()
    by_sheet = {t.sheet_name: t for t in tables}
    title = ctx.title(result, "").rstrip()
    costs = result.costs
    story: list[Any] = [Paragraph(_esc(title), st["title"])]
    for line in headline:
        story.append(Paragraph(_esc(line), st["base"]))
    warn = ParagraphStyle("warn", parent=st["small"], textColor=colors.HexColor("#8A4B00"))
    for w in result.warnings:
        story.append(Paragraph(_esc("注意：" + w), warn))
    story += table_flowables(by_sheet["団体別前後比較"], max_columns=8, lead_columns=1)
    story += table_flowables(by_sheet["取組"], max_columns=7)
    story.append(PageBreak())
    story += table_flowables(by_sheet["実質負担"], max_columns=9, lead_columns=1)
    story += table_flowables(by_sheet["負担の按分"], max_columns=5)
    story.append(PageBreak())
    story.append(Paragraph(f"{len(costs.years)}年間の費用の推移", st["h2"]))
    story.append(Image(cost_chart_png(costs.years, costs.baseline.total_yen, costs.scenario.total_yen,
                                      "年度別の総費用（更新費用＋運営費＋事業費）"), width=180 * mm, height=76 * mm))
    story.append(Paragraph("図のデータは「年度別費用」の表（Excel 版の同名シート）にあります。", st["small"]))
    if boundaries is not None:
        closed = set(result.closed_ids)
        pts = [(f.lat, f.lon, f.facility_id in closed) for f in facilities if f.lat is not None and f.lon is not None]
        story.append(Paragraph("施設の配置", st["h2"]))
        story.append(Image(map_png(boundaries, pts, "施設の配置（シナリオ後）"), width=140 * mm, height=120 * mm))
    story.append(PageBreak())
    story += table_flowables(by_sheet["財源"], max_columns=8, lead_columns=1)
    story += table_flowables(by_sheet["年度別費用"], max_columns=9, lead_columns=2)
    story.append(PageBreak())
    story.append(Paragraph("前提条件", st["h2"]))
    fa = result.floor_area
    s = result.scenario
    assumptions = [
        f"評価期間: {_wareki_year(s.start_fiscal_year)}から{s.horizon_years}年間",
        f"現在価値: {costs.discounted_explanation}。{' '.join(costs.discount_rule.split())}",
        "更新費用: 総務省「公共施設等更新費用試算ソフト」の既定の単価・周期（renewal.yaml）",
        f"延床面積の要件: {fa.reduced_rule}",
    ]
    if result.access.travel_ja:
        assumptions.append(f"所要時間: {result.access.travel_ja}")
    if result.access.demand is not None and result.access.demand.rule:
        assumptions.append(f"需要: {result.access.demand.rule}")
    for n in result.inventory.notes:
        assumptions.append(f"施設データ: {n}")
    for n in notes:
        if n not in result.warnings:
            assumptions.append(n)
    from kouiki.reports.words import reader_text

    for a in assumptions:  # engine rules and notes: parameter paths and file names in words
        story.append(Paragraph(_esc("・" + reader_text(a)), st["base"]))
    return build_pdf(story, title)


def _wareki_year(year: int) -> str:
    from kouiki.reference.calendar import FiscalYear

    return FiscalYear(year).wareki()
