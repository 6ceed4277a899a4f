"""`kouiki facilities …`: inventory import, demo inventories, 更新費用, plan indicators, 施設カルテ.

INVENTORY arguments accept a file (template / 公共施設一覧 / 固定資産台帳, imported on the fly),
``demo:<圏域>`` (a bundled demo inventory, e.g. ``demo:弘前圏域``) or the name of an inventory saved in the
store by ``kouiki facilities import``. Part B's commands (access, evaluate, compare …) are added to this
``app`` by ``kouiki.cli.facilities_scenarios.register(app)`` (wired when the branches are merged).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from kouiki.cli.common import console, err_console, fiscal_year_or_current, friendly_errors, print_json
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.reference.money import format_yen

if TYPE_CHECKING:  # the engine (importers, road graphs, numba) loads inside each command
    from kouiki.facilities.importers import ImportReport
    from kouiki.facilities.model import Inventory

# The --format choices; tests/architecture/test_cli_startup.py checks they equal kouiki.facilities.importers.FORMATS
# (written out here so that `kouiki --help` does not load the importers).
FORMATS = ("auto", "template", "public_facility", "ledger")

app = typer.Typer(help="公共施設: 施設台帳の取込み、更新費用の推計、計画指標、施設カルテ", no_args_is_help=True)


class InventorySpecError(KouikiError, ValueError):
    """An INVENTORY argument that is neither a file, a demo name nor a stored inventory."""


def resolve_inventory(spec: str | None, demo: str | None = None) -> tuple[Inventory, str]:
    """INVENTORY → (Inventory, label). File, ``demo:<圏域>``, ``--demo``, or a stored inventory name."""
    from kouiki.facilities.demo import build_demo
    from kouiki.facilities.importers import import_inventory

    if demo:
        b = build_demo(demo)
        return b.inventory, b.region.full_name
    if not spec:
        raise InventorySpecError("施設台帳を指定してください（ファイル、demo:弘前圏域、または保存した台帳名）")
    from kouiki.facilities.inventory_source import InventorySource, SourceKind

    source = InventorySource.parse(spec, bare_name_is_store=True)
    if source.kind is SourceKind.DEMO:
        b = build_demo(source.value)
        return b.inventory, b.region.full_name
    if source.kind is SourceKind.FILE:
        path = Path(spec)
        inv, report = import_inventory(path)
        if report.rejected:
            # Never drop rows silently: the figures below are for the rows that could be read.
            first = report.rejected[0].text(path.name)
            err_console.print(
                f"[yellow]注意: {path.name} の {report.rows_rejected}行は取り込めず、計算に含まれていません"
                f"（最初: {first}）。一覧は kouiki facilities import {path.name} --no-store で確認できます[/]"
            )
            inv.notes.append(f"{path.name}: {report.rows_rejected}行は誤りのため計算に含まれていません（最初: {first}）")
        return inv, path.name
    from kouiki.store import session
    from kouiki.store.facilities import load_inventory

    with session() as s:
        try:
            return source.load(lambda name: load_inventory(s, name)), source.value
        except NotFoundError as exc:
            from kouiki.facilities.demo import find_region

            try:
                region = find_region(spec)
            except KouikiError:
                raise exc from None
            raise NotFoundError(f"{exc}。デモの台帳なら demo:{region.name} または --demo {region.name} で指定します") from None


def _with_progress(label: str, enabled: bool) -> Any:
    """A Rich progress bar on stderr (hidden with --json) and the callback that advances it."""
    from contextlib import nullcontext

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not enabled:
        return nullcontext(None)
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=True)


def _parse_yen_list(text: str | None) -> list[int] | None:
    if not text:
        return None
    from kouiki.reference.money import to_yen

    return [to_yen(p.strip(), "投資的経費") for p in text.split(",") if p.strip()]


def _report_table(report: ImportReport) -> None:
    console.print(
        f"[bold]{report.source}[/]（形式: {report.format}、文字コード: {report.encoding}）: "
        f"{report.rows_read}行を読み、{report.rows_accepted}行を取込み、{report.rows_rejected}行を除外 → 施設 {report.facilities}件"
    )
    for n in report.notes:
        console.print(f"・{n}")
    if report.rejected:
        t = Table(title="誤りのある行", show_lines=False)
        for c in ("行", "列", "見出し", "項目", "値", "理由"):
            t.add_column(c, overflow="fold")
        for i in report.rejected[:200]:
            t.add_row(str(i.row), i.letter or "", i.column or "", "" if i.field == i.column else i.field or "",
                      i.value or "", i.reason)
        console.print(t)
        if len(report.rejected) > 200:
            console.print(f"…ほか {len(report.rejected) - 200}件（--json ですべて表示）")
    if report.warnings:
        console.print(f"注意 {len(report.warnings)}件（--json で一覧）")


def _show_plan(plan: Any, rows_rejected: int) -> None:
    """The second step's preview: what the replacement removes, before the user confirms it."""
    console.print(f"[bold]保存済みの「{plan.name}」を置き換えます: {plan.summary()}[/]"
                  + (f"（誤りのある {rows_rejected}行は取り込みません）" if rows_rejected else ""))
    if plan.removed_ids:
        shown = "、".join(plan.removed_ids[:10]) + (f" ほか {len(plan.removed_ids) - 10}件" if len(plan.removed_ids) > 10 else "")
        console.print(f"一覧から消える施設ID {len(plan.removed_ids)}件: {shown}")
    for a in plan.affected_scenarios:
        console.print(f"[yellow]開けなくなるシナリオ: {a.text()}[/]")


@app.command("import")
@friendly_errors
def import_cmd(
    file: Path = typer.Argument(..., help="施設台帳ファイル（CSV/XLSX）"),
    fmt: str = typer.Option("auto", "--format", help=f"形式: {' | '.join(FORMATS)}"),
    encoding: str | None = typer.Option(None, help="文字コードを指定（既定: 自動判別 UTF-8/UTF-8-BOM/CP932/UTF-16）"),
    sheet: str | None = typer.Option(None, help="Excel のシート名（既定: 先頭）"),
    code: str | None = typer.Option(None, help="団体コード（列が空のとき）"),
    mapping: Path | None = typer.Option(None, help="固定資産台帳の列対応表（YAML）"),
    save_mapping: Path | None = typer.Option(None, help="使った列対応表を YAML に保存する（固定資産台帳）"),
    unit: str | None = typer.Option(None, help="固定資産台帳の金額の単位: 円 | 千円"),
    strict: bool = typer.Option(False, help="（既定の動作です）1行でも誤りがあれば全体を取り込まない", hidden=True),
    only_valid: bool = typer.Option(
        False, "--only-valid",
        help="誤りのある行を除き、正しい行だけで置き換える（置き換え前後の件数を示して確認します）",
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="確認を省略する（--only-valid や、シナリオが使う施設が消えるとき）"),
    name: str | None = typer.Option(None, help="保存する台帳名（既定: ファイル名）"),
    store: bool = typer.Option(True, "--store/--no-store", help="ストアに保存する"),
    out: Path | None = typer.Option(None, help="kouiki テンプレート形式の CSV に書き出す"),
    out_encoding: str = typer.Option("cp932", help="書き出す CSV の文字コード: cp932 | utf-8-sig"),
    user: str = typer.Option("cli", help="監査ログに記録する利用者名"),
    figures: Path | None = typer.Option(None, help="年度別の数値（施設ID, 年度, 利用者数, 運営費, 使用料収入）の CSV/XLSX"),
    figures_unit: str = typer.Option("円", help="年度別の数値の金額の単位: 円 | 千円"),
    as_json: bool = typer.Option(False, "--json", help="JSON で出力"),
) -> None:
    """施設台帳を取り込む（kouiki テンプレート・公共施設一覧・固定資産台帳）

    全件を検証し、1行でも誤りがあれば何も保存しない（誤りのある行をすべて表示し、終了コード 1）。
    正しい行だけで置き換えるには --only-valid（置き換え前後の件数を示して確認する。--yes で確認を省略）
    """
    del strict  # all-or-nothing is the default; the option stays so old scripts keep working
    from kouiki.facilities.importers import InventoryImportError, LedgerMapping, import_inventory

    the_mapping = LedgerMapping.load(mapping) if mapping else None
    try:
        with _with_progress("取込み中", not as_json) as bar:
            task = bar.add_task("rows", total=None) if bar is not None else None

            def advance(done: int, total: int) -> None:
                if bar is not None and task is not None:
                    bar.update(task, completed=done, total=total)

            inv, report = import_inventory(
                file, fmt=fmt, encoding=encoding, sheet=sheet, default_code=code, mapping=the_mapping, unit=unit,
                progress=advance,
            )
        figures_report = None
        if figures is not None:
            from kouiki.facilities.importers.yearly import import_yearly_figures

            inv, figures_report = import_yearly_figures(figures, inv, unit=figures_unit)
        if not only_valid:
            report.require_complete()
            if figures_report is not None:
                figures_report.require_complete()
    except InventoryImportError as exc:
        if as_json:
            print_json({"report": exc.report.to_dict() if exc.report else None, "errors": [str(exc)], "stored_as": None})
            raise typer.Exit(1) from None
        if exc.report:
            _report_table(exc.report)
        if exc.report is not None and exc.report.rejected and exc.report.facilities:
            err_console.print(
                f"[yellow]正しい {exc.report.facilities}件だけで置き換えるには --only-valid を付けて実行してください"
                "（置き換え前後の件数を示して確認します）[/]"
            )
        raise
    rows_rejected = report.rows_rejected + (figures_report.rows_rejected if figures_report else 0)
    if store and not inv.facilities:
        raise InventoryImportError(f"{file.name}: 取り込める施設が1件もありません（何も変更していません）", report)
    if save_mapping is not None:
        m = the_mapping or LedgerMapping()
        m.columns = dict(report.columns)
        m.unit = unit or m.unit
        m.municipality_code = code or m.municipality_code
        save_mapping.write_text(m.dump(), encoding="utf-8")
    stored_as = None
    plan = None
    if store:
        from kouiki.store import session
        from kouiki.store.facilities import check_inventory, plan_replacement, save_inventory

        check_inventory(inv)
        target = name or file.stem
        with session() as s:
            plan = plan_replacement(s, target, inv)
        if rows_rejected or plan.needs_confirmation:
            if not as_json:
                _report_table(report)
                _show_plan(plan, rows_rejected)
            if not yes:
                if as_json:
                    print_json({"report": report.to_dict(), "plan": plan.to_dict(), "stored_as": None,
                                "errors": ["確認が必要です: --yes を付けると、この内容で置き換えます（何も変更していません）"]})
                    raise typer.Exit(1)
                if not typer.confirm("この内容で置き換えますか？", default=False):
                    err_console.print("取り込みを中止しました（何も変更していません）。")
                    raise typer.Exit(1)
        with session() as s:
            save_inventory(
                s, target, inv, user=user, expected_revision=plan.revision,
                report=report.to_dict() | ({"figures": figures_report.to_dict()} if figures_report else {}),
            )
        stored_as = target
    if out is not None:
        from kouiki.facilities.importers.template import write_template_csv

        try:
            write_template_csv(inv, out, out_encoding)
        except UnicodeEncodeError as exc:
            raise InventorySpecError(f"{out}: {out_encoding} で表せない文字があります（--out-encoding utf-8-sig を指定してください）: {exc.object[exc.start:exc.end]!r}") from exc
    if as_json:
        print_json({
            "report": report.to_dict(),
            "figures_report": figures_report.to_dict() if figures_report else None,
            "plan": plan.to_dict() if plan else None,
            "stored_as": stored_as,
            "facilities": len(inv.facilities),
            "out": out,
        })
        return
    if not (store and (rows_rejected or (plan and plan.needs_confirmation))):
        _report_table(report)
    if figures_report is not None:
        _report_table(figures_report)
    if stored_as and plan is not None:
        console.print(f"ストアに「{stored_as}」として保存しました（{plan.summary()}）。")


@app.command("template")
@friendly_errors
def template_cmd(
    out: Path = typer.Argument(Path("施設台帳テンプレート.xlsx"), help="書き出す .xlsx"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """施設台帳の Excel テンプレート（大分類は選択式、記入例・説明シート付き）を書き出す"""
    from kouiki.reports.facilities_xlsx import TEMPLATE_HEADERS, inventory_template

    inventory_template(out)
    if as_json:
        print_json({"out": out, "columns": [{"header": h, "field": f, "note": e} for h, f, e in TEMPLATE_HEADERS]})
        return
    console.print(f"テンプレートを書き出しました: {out}")


@app.command("inventories")
@friendly_errors
def inventories_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """ストアに保存した施設台帳の一覧"""
    from kouiki.store import session
    from kouiki.store.facilities import list_inventories

    with session() as s:
        rows: list[dict[str, Any]] = [
            {"name": r.name, "facilities": r.facility_count, "sources": r.sources, "created_at": r.created_at}
            for r in list_inventories(s)
        ]
    if as_json:
        print_json(rows)
        return
    t = Table(title="保存した施設台帳")
    for c in ("台帳名", "施設数", "元ファイル", "取込日時"):
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(r["name"], str(r["facilities"]), "、".join(r["sources"]), str(r["created_at"])[:19])
    console.print(t)


@app.command("demo")
@friendly_errors
def demo_cmd(
    region: str | None = typer.Argument(None, help="圏域: 弘前圏域 | 播磨科学公園都市圏域 | 大和まほろば（省略で一覧）"),
    out: Path | None = typer.Option(None, help="kouiki テンプレート形式の CSV に書き出す"),
    out_encoding: str = typer.Option("utf-8-sig", help="書き出す CSV の文字コード"),
    store: bool = typer.Option(False, "--store", help="ストアに「demo:<圏域>」として保存する"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """デモ用の施設台帳（国土地理院の避難所データから作成、延床面積・建築年度は推計）"""
    from kouiki.facilities.demo import build_demo, category_counts, demo_regions

    if region is None:
        regs = [{"name": r.name, "full_name": r.full_name, "members": list(r.members)} for r in demo_regions()]
        if as_json:
            print_json(regs)
            return
        for r in regs:
            console.print(f"{r['name']}（{r['full_name']}）: {', '.join(r['members'])}")
        return
    b = build_demo(region)
    if out is not None:
        from kouiki.facilities.importers.template import write_template_csv

        write_template_csv(b.inventory, out, out_encoding)
    if store:
        from kouiki.store import session
        from kouiki.store.facilities import save_inventory

        with session() as s:
            save_inventory(s, f"demo:{b.region.name}", b.inventory, user="demo", report=b.to_dict())
    if as_json:
        print_json(b.to_dict() | {"by_category": category_counts(b.inventory)})
        return
    console.print(f"[bold]{b.region.full_name}[/]: 施設 {len(b.inventory.facilities)}件")
    for n in b.inventory.notes:
        console.print(f"・{n}")
    t = Table(title="大分類別の施設数")
    t.add_column("大分類", overflow="fold")
    t.add_column("施設数", justify="right", overflow="fold")
    for k, v in category_counts(b.inventory).items():
        t.add_row(k, str(v))
    console.print(t)


@app.command("list")
@friendly_errors
def list_cmd(
    inventory: str | None = typer.Argument(None, help="施設台帳（ファイル、demo:<圏域>、保存名）"),
    demo: str | None = typer.Option(None, help="デモの圏域名"),
    municipality: str | None = typer.Option(None, help="団体コードで絞り込む"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """施設の一覧（推計値には「推計」と表示）"""
    from kouiki.facilities.model import facility_to_dict
    from kouiki.reference import codes

    inv, label = resolve_inventory(inventory, demo)
    fs = inv.facilities
    if municipality:
        code = codes.normalize(municipality)
        fs = [f for f in fs if f.municipality_code == code]
    if as_json:
        print_json({"inventory": label, "notes": inv.notes, "facilities": [facility_to_dict(f) for f in fs]})
        return
    t = Table(title=f"{label} 施設一覧（{len(fs)}件）")
    for c in ("施設ID", "団体", "施設名", "大分類", "延床面積㎡", "建築年度"):
        t.add_column(c, overflow="fold")
    for f in fs:
        area = "不明" if f.floor_area_m2 is None else f"{f.floor_area_m2:,}" + ("（推計）" if f.is_imputed("floor_area_m2") else "")
        year = "不明" if f.built_year is None else str(f.built_year) + ("（推計）" if f.is_imputed("built_year") else "")
        t.add_row(f.facility_id, f.municipality_code, f.name, f.category.value, area, year)
    console.print(t)
    for n in inv.notes:
        console.print(f"・{n}")


def _money_cell(v: int) -> str:
    return format_yen(v, "百万円", 1, suffix=False)


@app.command("renewal")
@friendly_errors
def renewal_cmd(
    inventory: str | None = typer.Argument(None, help="施設台帳（ファイル、demo:<圏域>、保存名）"),
    demo: str | None = typer.Option(None, help="デモの圏域名（INVENTORY の代わり）"),
    start_year: str | None = typer.Option(None, help="試算開始年度（2025, R7, 令和7年度。既定: 今年度）"),
    years: int | None = typer.Option(None, help="試算期間（年数。既定: パラメータ renewal.horizon_years）"),
    scenario: str = typer.Option("mic", help="mic（総務省ソフト既定・単純更新） | longevity（長寿命化）"),
    parameters: Path | None = typer.Option(None, help="更新費用パラメータの YAML（既定: 同梱）"),
    longevity: bool = typer.Option(False, "--longevity", help="長寿命化シナリオと比べて効果額を出す"),
    investment: str | None = typer.Option(None, help="直近5年の投資的経費（既存更新分）実績、円をカンマ区切り"),
    chart: Path | None = typer.Option(None, help="グラフを書き出す（.png / .svg）"),
    stack: str = typer.Option("kind", help="グラフの積み上げ: kind（改修・建替え・積み残し） | category（大分類）"),
    xlsx: Path | None = typer.Option(None, help="Excel（.xlsx）に書き出す（単位千円表示、前提条件シート付き）"),
    detail: bool = typer.Option(False, help="施設・棟ごとの内訳（bookings）も出力する"),
    as_json: bool = typer.Option(False, "--json", help="JSON で出力"),
) -> None:
    """更新費用の推計（総務省 更新費用試算ソフトの既定値）。金額は円（整数）"""
    from kouiki.facilities.renewal import RenewalParameters, compare_longevity, project

    inv, label = resolve_inventory(inventory, demo)
    start = fiscal_year_or_current(start_year)
    params = RenewalParameters.load(parameters, scenario=scenario)
    result = project(inv, start, years, params, recent_investment_yen=_parse_yen_list(investment))
    out = result.to_dict(detail=detail)
    out["notes"] = list(inv.notes)
    if result.all_excluded:  # every figure would be 0: say why instead of printing a table of zeros
        if as_json:
            print_json(out)
            raise typer.Exit(1)
        raise KouikiError(f"{label}: {result.coverage_message()}")
    comp = None
    if longevity:
        comp = compare_longevity(inv, start, years, baseline=params)
        out["longevity"] = comp.to_dict()
    if chart is not None:
        from kouiki.reports.charts import renewal_chart

        renewal_chart(result, chart, stack=stack, body_label=label, compare=comp.longevity if comp else None)
        out["chart"] = str(chart)
    if xlsx is not None:
        from kouiki.reports.facilities_xlsx import renewal_workbook

        renewal_workbook(result, xlsx, label=label)
        out["xlsx"] = str(xlsx)
    if as_json:
        print_json(out)
        return
    s = result.summary()
    console.print(
        f"[bold]{label}[/] {params.title}: {FiscalYear(start).wareki()}から{len(result.years)}年間の総額 "
        f"{format_yen(s['total_yen'], '億円', 1)}、年平均 {format_yen(s['annual_average_yen'], '億円', 1)}"
    )
    t = Table(title="更新費用（単位：百万円）")
    t.add_column("年度", overflow="fold")
    for k in result.by_kind:
        t.add_column(k, justify="right", overflow="fold")
    t.add_column("合計", justify="right", overflow="fold")
    for i, y in enumerate(result.years):
        t.add_row(FiscalYear(y).wareki(), *[_money_cell(v[i]) for v in result.by_kind.values()], _money_cell(result.total_yen[i]))
    console.print(t)
    if result.excluded:
        console.print(f"除外 {len({e['facility_id'] for e in result.excluded})}施設（延床面積・建築年度が不明など。--json で一覧）")
    if result.imputed:
        console.print(f"[yellow]推計値を使った施設 {len(result.imputed)}件（実際の値ではありません）[/]")
    if longevity:
        c = out["longevity"]["summary"]
        console.print(f"長寿命化の効果額: {format_yen(c['effect_yen'], '億円', 1)}（年平均 {format_yen(c['effect_annual_average_yen'], '億円', 1)}）")
    if chart is not None:
        console.print(f"グラフ: {chart}")
    if xlsx is not None:
        console.print(f"Excel: {xlsx}")


@app.command("infrastructure")
@friendly_errors
def infrastructure_cmd(
    assets: Path = typer.Argument(..., help="インフラ資産の一覧（CSV/XLSX: 団体コード, 種別, 区分, 数量, 整備年度, 単価）"),
    body: str | None = typer.Option(None, help="団体コードの列がないときの団体（コード）"),
    start_year: str | None = typer.Option(None, help="試算開始年度（2025, R7。既定: 今年度）"),
    years: int | None = typer.Option(None, help="試算期間（年数。既定: パラメータ renewal.horizon_years）"),
    parameters: Path | None = typer.Option(None, help="インフラ資産のパラメータ YAML（既定: 同梱）"),
    xlsx: Path | None = typer.Option(None, help="Excel（.xlsx）に書き出す（単位千円表示、行ごとの根拠付き）"),
    as_json: bool = typer.Option(False, "--json", help="JSON で出力"),
) -> None:
    """インフラ資産（道路・橋梁・上水道管・下水道管）の更新費用の推計（総務省 更新費用試算ソフトの設定条件）"""
    from kouiki.facilities.infrastructure import InfrastructureParameters, project_infrastructure, read_assets

    rows = read_assets(assets, default_code=body)
    start = fiscal_year_or_current(start_year)
    result = project_infrastructure(rows, start, years, InfrastructureParameters.load(parameters))
    years = len(result.years)  # the horizon used (the parameter when --years is not given)
    out = result.to_dict()
    if xlsx is not None:
        from kouiki.reports.excel import workbook_bytes
        from kouiki.reports.infrastructure import infrastructure_tables

        xlsx.write_bytes(workbook_bytes(*infrastructure_tables(result, assets.stem)))
        out["xlsx"] = str(xlsx)
    if as_json:
        print_json(out)
        return
    s = out["summary"]
    console.print(
        f"[bold]{assets.name}[/] {result.parameters.title}: {FiscalYear(start).wareki()}から{years}年間の総額 "
        f"{format_yen(s['total_yen'], '億円', 1)}、年平均 {format_yen(s['annual_average_yen'], '億円', 1)}"
    )
    t = Table(title="インフラ資産の更新費用（単位：百万円）")
    t.add_column("種別")
    t.add_column("期間の合計", justify="right")
    t.add_column("年平均", justify="right")
    for name, values in result.by_asset.items():
        t.add_row(name, _money_cell(sum(values)), _money_cell(sum(values) // years))
    console.print(t)
    for e in result.excluded:
        console.print(f"[yellow]除外 {e['row']}行目（{e['asset']}）: {e['reason']}[/]", highlight=False)
    if xlsx is not None:
        console.print(f"Excel: {xlsx}")


def _m2(value: Any) -> str:
    """Floor area for people: 540,100㎡ with Japanese grouping (JSON keeps the exact decimal string)."""
    if value is None or value == "":
        return "不明"
    d = Decimal(str(value))
    return f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,.2f}"


def _count(value: Any) -> str:
    return "不明" if value is None else f"{int(value):,}"


@app.command("indicators")
@friendly_errors
def indicators_cmd(
    inventory: str | None = typer.Argument(None, help="施設台帳（ファイル、demo:<圏域>、保存名）"),
    demo: str | None = typer.Option(None, help="デモの圏域名"),
    census_year: int | None = typer.Option(None, help="一人当たり延床面積に使う国勢調査の年（2015 | 2020）"),
    chart: Path | None = typer.Option(None, help="建築年度別延床面積のグラフ（.png / .svg）"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """計画の指標: 延床面積（大分類別・建築年度別・新耐震）、一人当たり延床面積、有形固定資産減価償却率"""
    from kouiki.facilities.indicators import floor_area, plan_indicators

    inv, label = resolve_inventory(inventory, demo)
    data: dict[str, Any] = plan_indicators(inv, census_year)
    if chart is not None:
        from kouiki.reports.charts import floor_area_by_year_chart

        floor_area_by_year_chart(floor_area(inv), chart, title=f"{label} 建築年度別の延床面積")
        data["chart"] = str(chart)
    if as_json:
        print_json(data)
        return
    fa = data["floor_area"]
    pc = data["per_capita"]
    console.print(f"[bold]{label}[/]: 延床面積 {_m2(fa['total_m2'])}㎡（うち推計 {_m2(fa['imputed_m2'])}㎡）、施設 {fa['facilities_counted']}件")
    t = Table(title="大分類別の延床面積（㎡）")
    t.add_column("大分類", overflow="fold")
    t.add_column("延床面積", justify="right", overflow="fold")
    for k, v in fa["by_category"].items():
        t.add_row(k, _m2(v))
    console.print(t)
    t = Table(title=f"住民一人当たり延床面積（{pc['census_year']}年国勢調査人口）")
    for c in ("団体", "延床面積㎡", "人口", "㎡/人"):
        t.add_column(c, overflow="fold")
    for code, r in pc["by_municipality"].items():
        t.add_row(f"{r['name']}（{code}）", _m2(r["floor_area_m2"]), _count(r["population"]), str(r["m2_per_person"]))
    t.add_row("合計", _m2(pc["total"]["floor_area_m2"]), _count(pc["total"]["population"]), str(pc["total"]["m2_per_person"]))
    console.print(t)
    se = fa["seismic"]
    console.print(f"{se['label']}: {_m2(se['old_m2'])}㎡（{se['old_share_percent']}%）")
    dep = data["depreciation"]
    console.print(
        f"有形固定資産減価償却率: {dep['ratio_percent'] + '%' if dep['ratio_percent'] else '不明（取得価額のデータなし）'}"
    )
    if fa["excluded"]:
        console.print(f"延床面積が不明で集計から除外: {len(fa['excluded'])}件（--json で一覧）")


@app.command("karte")
@friendly_errors
def karte_cmd(
    inventory: str | None = typer.Argument(None, help="施設台帳（ファイル、demo:<圏域>、保存名）"),
    facility: str = typer.Argument(..., help="施設ID または施設名"),
    demo: str | None = typer.Option(None, help="デモの圏域名"),
    year: str | None = typer.Option(None, help="基準年度（経過年数の計算。既定: 今年度）"),
    figures: Path | None = typer.Option(None, help="年度別の数値の CSV/XLSX（施設ID, 年度, 利用者数, 運営費, 使用料収入）"),
    figures_unit: str = typer.Option("円", help="年度別の数値の金額の単位: 円 | 千円"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """施設カルテ: 基本情報、棟、経過年数・耐震、年度別の利用・費用、単位コスト、受益者負担率、更新費用"""
    from kouiki.facilities.indicators import find_facility, karte
    from kouiki.facilities.renewal import project

    inv, _label = resolve_inventory(inventory, demo)
    if figures is not None:
        from kouiki.facilities.importers.yearly import import_yearly_figures

        inv, _rep = import_yearly_figures(figures, inv, unit=figures_unit)
    f = find_facility(inv, facility)
    ref = fiscal_year_or_current(year)
    r = project([f], ref)
    data = karte(f, ref, renewal_yen=r.total if not r.excluded else None)
    if as_json:
        print_json(data)
        return
    t = Table(title=f"施設カルテ: {f.name}", show_header=False)
    t.add_column("項目", overflow="fold")
    t.add_column("値", overflow="fold")
    for k, label in (
        ("facility_id", "施設ID"), ("municipality_code", "団体コード"), ("category", "大分類"), ("subcategory", "中分類"),
        ("address", "所在地"), ("floor_area_m2", "延床面積（㎡）"), ("built_year", "建築年度"), ("age_years", "経過年数"),
        ("seismic", "耐震基準"), ("depreciation_ratio_percent", "有形固定資産減価償却率（%）"),
    ):
        v = data[k]
        mark = "（推計）" if k in ("floor_area_m2", "built_year") and k in f.imputed else ""
        t.add_row(label, ("不明" if v is None else str(v)) + mark)
    if data["renewal_yen"] is not None:
        t.add_row("更新費用（40年）", format_yen(data["renewal_yen"], "千円"))
    console.print(t)
    if data["figures"]:
        ft = Table(title="年度別の状況")
        for c in ("年度", "利用者数", "運営費（千円）", "収入（千円）", "1人当たり（円）", "㎡当たり（円）", "受益者負担率"):
            ft.add_column(c, overflow="fold")
        for row in data["figures"]:
            ft.add_row(
                FiscalYear(row["fiscal_year"]).wareki(), str(row.get("annual_users", "")),
                format_yen(row["operating_cost_yen"], "千円", suffix=False) if row.get("operating_cost_yen") is not None else "",
                format_yen(row["revenue_yen"], "千円", suffix=False) if row.get("revenue_yen") is not None else "",
                str(row["cost_per_user_yen"] or ""), str(row["cost_per_m2_yen"] or ""),
                f"{row['cost_recovery_percent']}%" if row["cost_recovery_percent"] else "",
            )
        console.print(ft)
    if f.imputed:
        err_console.print("[yellow]※ 推計値を含みます: " + "; ".join(f"{k}: {v}" for k, v in f.imputed.items()) + "[/]")


# Part B's commands (access, evaluate, compare, travel-matrix, demand, share, fees, council, scenario-schema).
from kouiki.cli.facilities_scenarios import register  # noqa: E402  (registered after this app's own commands)

register(app)
