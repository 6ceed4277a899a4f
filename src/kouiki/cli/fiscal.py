"""`kouiki fiscal …`: evaluate plans, list measures, explain lines, write the Excel template."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kouiki.cli.common import Notes, console, err_console, friendly_errors, print_json

if TYPE_CHECKING:  # the engine loads inside each command (`kouiki --help` stays fast)
    from kouiki.fiscal.api import FiscalContext
    from kouiki.fiscal.model import Result

app = typer.Typer(help="財政措置（特別交付税・地方債・補助）の計算と説明", no_args_is_help=True)

SET_HELP = ("パラメータの仮定値 ID@年度=値（複数可）。例: 調査検討経費の措置上限額（1団体当たり）を令和7年度から600万円に"
            " → consolidation_study.cap@2025=6000000。各値の ID は kouiki fiscal measures の注に出ます")
SCENARIO_HELP = "シナリオファイル（YAML: overrides: {PATH@年度: 値}）。--set と併用可（--set が後）"


def _overrides(set_: list[str] | None, scenario: Path | None) -> list[str] | None:
    """The overrides of --scenario FILE then --set (later ones win for the same PATH@年度)."""
    from kouiki.fiscal.params import load_scenario

    out: list[str] = []
    if scenario is not None:
        import json as _json

        for k, v in load_scenario(scenario).items():
            text = v if isinstance(v, str) else _json.dumps(v, ensure_ascii=False, default=str)
            out.append(f"{k}={text}")
    out.extend(set_ or [])
    return out or None


def _registry_context() -> tuple[FiscalContext, dict[str, str]]:
    """The 定住自立圏 registry the gates read, from the same source as the web app: the regions stored in the data
    folder (registered or imported by users), else — no database there yet, or it cannot be read — the bundled
    registry, said so. Returns the context and ``{"source": "store" | "bundled", "note": Japanese}``."""
    from kouiki.fiscal.api import FiscalContext
    from kouiki.settings import database_url

    url = database_url()
    prefix = "sqlite:///"
    if url.startswith(prefix) and not Path(url[len(prefix):]).exists():
        return FiscalContext(), {
            "source": "bundled",
            "note": "同梱の圏域一覧（データフォルダにデータベースがなく、利用者の登録・取込はありません）",
        }
    from kouiki.store import session
    from kouiki.store.db import StoreUnavailableError
    from kouiki.store.regions import list_regions

    try:
        with session() as s:
            regions = list_regions(s)
    except StoreUnavailableError as exc:
        return FiscalContext(), {
            "source": "bundled",
            "note": f"同梱の圏域一覧（保存済みの圏域を読めません: {exc}）",
        }
    return FiscalContext(regions=regions), {
        "source": "store",
        "note": f"データフォルダに保存された{len(regions)}圏域（利用者の登録・取込を含む）",
    }


def _print_registry(source: dict[str, str]) -> None:
    console.print(f"圏域の判定: {source['note']}", highlight=False)  # wrapped at the terminal width


def _name(code: str) -> str:
    from kouiki.reference.municipalities import name_or_code

    return name_or_code(code)


def _sen(amount: int) -> str:
    from kouiki.reference.money import format_yen

    return format_yen(amount, "千円", 0, suffix=False)


def _conf_short(confidence: str) -> str:
    from kouiki.reference.parameters import CONFIDENCE_TIGHT

    return CONFIDENCE_TIGHT[confidence]


def _print_result(result: Result, title: str) -> None:
    from rich.table import Table

    from kouiki.fiscal.model import KIND_SHORT
    from kouiki.fiscal.params import packaged
    from kouiki.reference.calendar import FiscalYear
    from kouiki.reports.words import fiscal_text

    console.print(f"[bold]{title}[/]（単位：千円。JSON出力は円）")
    by_item: dict[int, list[Any]] = {}
    for ln in result.lines:
        by_item.setdefault(ln.item, []).append(ln)
    labels = {k: v.label for k, v in packaged().measures.items()}
    for item, lines in by_item.items():
        first = lines[0]
        t = Table(
            title=f"項目{item + 1}　{labels.get(first.measure, first.measure)}　{_name(first.municipality)}"
            f"（{first.municipality}）　{FiscalYear(first.fiscal_year).wareki()}",
            title_justify="left",
        )
        for col, just in (("年度", "left"), ("種別", "left"), ("基礎", "right"), ("率", "right"),
                          ("上限", "right"), ("額", "right"), ("確度", "left"), ("注", "left")):
            t.add_column(col, justify=just, overflow="fold", no_wrap=col in ("年度", "種別", "額"))  # type: ignore[arg-type]
        notes = Notes()  # long remarks go below the table, numbered, instead of into a narrow column
        for ln in lines:
            t.add_row(
                FiscalYear(ln.fiscal_year).short(),
                KIND_SHORT[ln.kind],
                _sen(ln.base_yen),
                "" if ln.rate is None else str(ln.rate),
                "" if ln.cap_yen is None else _sen(ln.cap_yen),
                _sen(ln.amount_yen),
                _conf_short(ln.confidence),
                notes.ref(*(fiscal_text(n) for n in ln.notes), *(f"注意:{fiscal_text(w)}" for w in ln.warnings)),
            )
        console.print(t)
        notes.print()
    _print_summary(result)
    if result.scenario:
        console.print("[yellow]シナリオ上書き:[/] " + "、".join(result.scenario))
    if result.warnings:
        from rich.table import Table as Grid
        from rich.text import Text

        grid = Grid.grid(padding=(0, 1))  # wrapped under their own text at 80 columns, 「注意」 hanging
        grid.add_column(no_wrap=True, style="yellow")
        grid.add_column(overflow="fold")
        for w in result.warnings:
            where = f"項目{w['item'] + 1}: " if w.get("item") is not None else ""
            grid.add_row("注意", Text(f"{where}{w['message']}"))
        console.print(grid)


def error_place(e: dict[str, Any]) -> str:
    """Where an error is, as a person reads it: 「plan.xlsx シート「計画」5行目 A列（措置・measure）」 or
    「plan.yaml 12行目 項目3 「対象経費（円）」」 (items numbered from 1)."""
    msg = str(e["message"])
    named = e.get("file") and not msg.startswith(str(e["file"]))
    where = [str(e["file"])] if named else []
    if e.get("sheet") and f"シート「{e['sheet']}」" not in str(e.get("file") or ""):
        where.append(f"シート「{e['sheet']}」")
    if e.get("row") is not None:
        where.append(f"{e['row']}行目")
    if e.get("item") is not None and not e.get("sheet"):
        where.append(f"項目{e['item'] + 1}")
    fld = e.get("field")
    label = e.get("column_label") or e.get("field_label") or fld
    if e.get("sheet") and fld:
        col = f"{e['column']}列" if e.get("column") else ""
        where.append(f"{col}（{label}・{fld}）" if label != fld else f"{col}（{fld}）")
    elif fld and fld not in msg and str(label) not in msg:  # the message does not name the field itself
        where.append(f"「{label}」")
    return " ".join(where)


def _param_names(used: list[str]) -> list[str]:
    """``path@年度`` → 「措置名・パラメータ名（path@年度）」 (the Japanese name first, the path beside)."""
    from kouiki.fiscal.params import parameter_name

    return [f"{n}（{u}）" if (n := parameter_name(u)) != u else u for u in used]


def _print_summary(result: Result) -> None:
    """The headline (one figure per kind of support, never summed across) and the 団体 × 年度 tables."""
    from rich.table import Table

    from kouiki.reference.calendar import FiscalYear
    from kouiki.reference.money import format_yen

    summary = result.summary
    for b in summary.blocks:
        years = b.fiscal_years
        span = FiscalYear(years[0]).short() + (f"〜{FiscalYear(years[-1]).short()}" if len(years) > 1 else "")
        console.print(f"[bold]{b.label}[/]: {format_yen(b.total_yen, '千円')}（{format_yen(b.total_yen, '万円')}、{span}）",
                      highlight=False)
    fin = result.totals.financing_yen
    console.print(f"[bold]借入（地方債・融資）[/]: {format_yen(fin, '千円')}（{format_yen(fin, '万円')}）", highlight=False)
    if len(summary.blocks) > 1:
        console.print("（上の各額は性質が異なるため合算しません）", highlight=False)
    if not summary.blocks:
        return
    console.print("[bold]団体 × 年度[/]（行＝団体、列＝年度、単位：千円。種類ごとに別の表）", highlight=False)
    per = 6  # 年度 columns per table: a 20-year 償還 schedule stays readable in 80 columns
    for b in summary.blocks:
        chunks = [b.fiscal_years[i:i + per] for i in range(0, len(b.fiscal_years), per)]
        for n, years in enumerate(chunks):
            last = n == len(chunks) - 1
            part = f"（{n + 1}/{len(chunks)}）" if len(chunks) > 1 else ""
            t = Table(title=f"{b.label}{part}（千円）", title_justify="left",
                      caption=b.note if last else None, caption_justify="left")
            t.add_column("団体", overflow="fold")
            for y in years:
                t.add_column(FiscalYear(y).short(), justify="right")
            if last:
                t.add_column("計", justify="right")
            for r in b.rows:
                t.add_row(f"{r.name}（{r.code}）", *[_sen(r.by_fiscal_year[y]) for y in years],
                          *([_sen(r.total_yen)] if last else []))
            t.add_row("[bold]計[/]", *[_sen(b.year_totals[y]) for y in years],
                      *([f"[bold]{_sen(b.total_yen)}[/]"] if last else []))
            console.print(t)


def _print_errors(result: Result) -> None:
    for e in result.errors:
        place = error_place(e)
        err_console.print(f"[bold red]エラー:[/] {place + ': ' if place else ''}{e['message']}", soft_wrap=True, highlight=False)


@app.command("evaluate")
@friendly_errors
def evaluate_cmd(
    plan: Annotated[Path, typer.Argument(help="計画ファイル（.yaml .json .xlsx）")],
    as_json: bool = typer.Option(False, "--json", help="JSONで出力（金額は円）"),
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    scenario: Annotated[Path | None, typer.Option("--scenario", help=SCENARIO_HELP)] = None,
    totals_only: bool = typer.Option(False, "--totals-only", help="合計のみ（大量の計画向け）"),
    trace: bool = typer.Option(False, "--trace", help="JSONに各行の説明（trace）を含める"),
) -> None:
    """計画を評価し、項目ごとの措置額・根拠・合計を表示する"""
    from kouiki.fiscal.api import evaluate

    context, registry = _registry_context()
    result = evaluate(plan, _overrides(set_, scenario), context, trace=trace, totals_only=totals_only)
    if as_json:
        print_json({**result.to_dict(include_trace=trace), "regions_source": registry})
    elif result.errors:
        _print_errors(result)
    else:
        _print_result(result, f"財政措置の計算結果: {plan.name}")
        _print_registry(registry)
    if result.errors:
        raise typer.Exit(1)


@app.command("compare")
@friendly_errors
def compare_cmd(
    plan: Annotated[Path, typer.Argument(help="計画ファイル（.yaml .json .xlsx）")],
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    scenario: Annotated[Path | None, typer.Option("--scenario", help=SCENARIO_HELP)] = None,
    as_json: bool = typer.Option(False, "--json", help="JSONで出力（金額は円）"),
) -> None:
    """現行の値とシナリオ（--set）で計画を評価し、項目ごとの差を表示する（what-if）"""
    from rich.table import Table

    from kouiki.fiscal.api import compare
    from kouiki.fiscal.model import KIND_SHORT, Result, Totals
    overrides = _overrides(set_, scenario)
    if not overrides:
        err_console.print("[bold red]エラー:[/] 比較するシナリオを --set PATH@年度=値 か --scenario FILE で指定してください")
        raise typer.Exit(1)
    context, registry = _registry_context()
    out = compare(plan, overrides, context)
    out["regions_source"] = registry
    if as_json:
        print_json(out)
    elif out["errors"]:
        _print_errors(Result([], Totals(), [], out["errors"]))
    else:
        t = Table(title=f"シナリオ比較: {'、'.join(out['scenario'])}", caption="（単位：千円）")
        for col in ("項目", "措置", "団体", "種別", "現行", "シナリオ", "差"):
            t.add_column(col, justify="right" if col in ("項目", "現行", "シナリオ", "差") else "left", overflow="fold")
        for r in out["items"]:
            if r["delta_yen"] == 0:
                continue
            t.add_row(str(r["item_no"]), r["measure_label"], _name(r["municipality"]), KIND_SHORT[r["kind"]],
                      _sen(r["baseline_yen"]), _sen(r["scenario_yen"]), f"{r['delta_yen'] / 1000:+,.0f}")
        console.print(t)
        d = out["totals"]["delta_support_yen"]
        console.print(f"支援合計の差: {d / 1000:+,.0f}千円　借入合計の差: {out['totals']['delta_financing_yen'] / 1000:+,.0f}千円",
                      highlight=False)
        _print_registry(registry)
    if out["errors"]:
        raise typer.Exit(1)


@app.command("explain")
@friendly_errors
def explain_cmd(
    plan: Annotated[Path, typer.Argument(help="計画ファイル（.yaml .json .xlsx）")],
    item: int = typer.Option(..., "--item", help="項目の番号（1から。evaluate の「項目1」と同じ）"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
) -> None:
    """1項目の計算の説明（規則・値・出典・上限・端数処理）を表示する"""
    from kouiki.fiscal.api import evaluate
    from kouiki.fiscal.model import KIND_JA
    from kouiki.fiscal.params import CONFIDENCE_JA
    from kouiki.reference.calendar import FiscalYear
    from kouiki.reference.money import format_yen

    context, registry = _registry_context()
    result = evaluate(plan, set_ or None, context, trace=True)
    if result.errors:
        if as_json:
            print_json({**result.to_dict(), "regions_source": registry})
        else:
            _print_errors(result)
        raise typer.Exit(1)
    index = item - 1  # people number items from 1; the engine indexes from 0
    lines = result.lines_of(index) if index >= 0 else []
    if not lines:
        err_console.print(f"[bold red]エラー:[/] 項目{item}はありません（項目は1〜{result.items}）")
        raise typer.Exit(1)
    warns = [w for w in result.warnings if w["item"] == index]
    if as_json:
        print_json({"item": index, "item_no": item, "lines": [ln.to_dict(include_trace=True) for ln in lines],
                    "warnings": warns, "regions_source": registry})
        return
    from kouiki.reports.words import fiscal_text

    shown: list[str] = []
    for ln in lines:
        console.print(f"[bold]{KIND_JA[ln.kind]} {FiscalYear(ln.fiscal_year).wareki()}: {format_yen(ln.amount_yen)}[/]")
        trace = ln.trace or []
        same = 0  # steps already printed for an earlier line of the item (bond schedules share them)
        while same < min(len(trace), len(shown)) and trace[same] == shown[same]:
            same += 1
        if same:
            console.print(f"  （前の行と共通の手順 {same} 件は省略）", highlight=False)
        for step in trace[same:]:  # in Japanese; the IDs (for --set) are in the パラメータ line below
            console.print(f"  {fiscal_text(step)}", soft_wrap=True, highlight=False)
        shown = trace
        if ln.notes:
            console.print("  備考: " + "；".join(ln.notes), soft_wrap=True, highlight=False)
        console.print(f"  確度: {CONFIDENCE_JA[ln.confidence]}　パラメータ: {'、'.join(_param_names(ln.parameters))}",
                      soft_wrap=True, highlight=False)
    for w in warns:
        console.print(f"[yellow]注意[/] {w['message']}", soft_wrap=True, highlight=False)
    _print_registry(registry)


def _value_text(v: Any, unit: str) -> str:
    """A parameter value in words (``reports.words``): never ``{"method": "flat"}`` or ``True`` raw."""
    from kouiki.reports.words import parameter_value

    return parameter_value(unit, v)


@app.command("measures")
@friendly_errors
def measures_cmd(
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
    year: str = typer.Option(None, "--year", help="この年度の値を表示（既定: 最新の値）"),
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
) -> None:
    """措置の一覧（現在の値・出典・確度。利用者が追加した値も表示）"""
    from rich.table import Table

    from kouiki.fiscal.catalogue import catalogue
    from kouiki.fiscal.params import CONFIDENCE_JA, apply_overrides, current
    from kouiki.reference.calendar import FiscalYear

    fy = FiscalYear.parse(year).year if year else None
    pset, _labels = apply_overrides(current(), set_ or None)
    cat = catalogue(pset, fy)
    if as_json:
        print_json({"fiscal_year": fy, "user_files": pset.user_files, "measures": cat})
        return
    for m in cat:
        # the Japanese name only: each parameter's ID (for --set PATH@年度=値) is in its note, the measure's in --json
        title = f"{m['label']}— {m['framework']}"
        if m["since"]:
            title += f"・{FiscalYear(m['since']).wareki()}から"
        t = Table(title=title, title_justify="left", show_lines=False)
        t.add_column("パラメータ", overflow="fold")
        t.add_column("値", overflow="fold")
        t.add_column("年度", no_wrap=True)
        t.add_column("確度", overflow="fold")
        t.add_column("注", no_wrap=True)
        notes = Notes()  # the ID, the history and the source go below the table, numbered
        for p in m["parameters"]:
            cur = p["current"]
            if cur is None:
                t.add_row(p["label"], "（この年度にはなし）", "", "", notes.ref(f"ID：{p['path']}"))
                continue
            origin = {"user": "（利用者追加）", "scenario": "（シナリオ）"}.get(cur["origin"], "")
            cit = cur["citation"]
            src = cit["title"] + (f" {cit['url']}" if cit["url"] else f"「{cit['seed']}」" if cit["seed"] else "")
            history = " → ".join(f"{FiscalYear(v['year']).short()}: {_value_text(v['value'], p['unit'])}"
                                 for v in p["values"])
            note = f"ID：{p['path']}" + (f"　推移：{history}" if len(p["values"]) > 1 else "")
            value = _value_text(cur["value"], p["unit"]) + origin
            if len(value) > 24:  # a long list or sentence is a note of its own, not ten lines of a narrow cell
                long_text = f"{p['label']}：{value}"
                value = f"（{notes.ref(long_text)}）"
            t.add_row(
                p["label"],
                value,
                FiscalYear(cur["year"]).short() + "〜",
                CONFIDENCE_JA[cur["confidence"]],
                notes.ref(note, f"出典：{src}"),
            )
        console.print(t)
        notes.print()
    if pset.user_files:
        console.print("利用者のパラメータファイル: " + "、".join(pset.user_files))


@app.command("template")
@friendly_errors
def template_cmd(
    out: Annotated[Path, typer.Argument(help="書き出す .xlsx ファイル")],
    examples: bool = typer.Option(False, "--examples", help="計画シートに記入例を入れる"),
) -> None:
    """Excelの計画テンプレート（1行＝1項目）を書き出す"""
    from kouiki.fiscal.template import write_template

    write_template(out, with_examples=examples)
    console.print(f"テンプレートを書き出しました: {out}")


@app.command("schema")
def schema_cmd() -> None:
    """計画のJSON Schemaを出力する"""
    from kouiki.fiscal.plan import json_schema

    print_json(json_schema())
