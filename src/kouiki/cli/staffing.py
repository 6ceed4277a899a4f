"""`kouiki staffing …`: 専門人材の共同活用計画、人材確保の財政措置、人材育成の要件、アドバイザー派遣."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kouiki.cli.common import console, err_console, fiscal_year_or_current, friendly_errors, print_json
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.money import format_yen

if TYPE_CHECKING:  # the engine loads inside each command
    from kouiki.staffing.advisor import Recommendation
    from kouiki.staffing.sharing import SharingPlan
    from kouiki.staffing.support import SupportResult
    from kouiki.staffing.training import TrainingResult

app = typer.Typer(
    help="専門人材の共同活用・人材確保と人材育成の財政措置・アドバイザー派遣",
    no_args_is_help=True,
)

FILE_HELP = "入力ファイル（.yaml / .xlsx）。demo で青森県・弘前圏域のデモ"
XLSX_HELP = "結果を Excel（.xlsx）にも書き出す"
SET_HELP = "措置のパラメータを仮に変える（例: specialist_salary.cap_per_person@2025=8000000）。複数可"



def _k(v: int | None) -> str:
    return "不明" if v is None else format_yen(v, "千円", suffix=False)


def _support_tables(res: SupportResult) -> None:
    from kouiki.staffing.support import MEASURE_JA, body_name

    if not res.bodies and not res.lines:
        console.print("派遣がないため、負担と措置はありません（secondments / 派遣シートを確認してください）")
        for w in res.warnings:
            console.print(f"[yellow]注意:[/] {w}")
        return
    for year in res.case.years:
        rows = [b for b in res.bodies if b["fiscal_year"] == year]
        if not rows:
            continue
        t = Table(title=f"{FiscalYear(year).wareki()} 団体別の負担と措置（千円）")
        for col in ("団体", "人件費(派遣分)", "募集経費", "負担金 支払", "負担金 受取", "措置額", "実質負担"):
            t.add_column(col, justify="left" if col == "団体" else "right", overflow="fold")
        for b in rows:
            t.add_row(
                b["name"],
                _k(b["salary_yen"]),
                _k(b["recruiting_yen"]),
                _k(b["contribution_paid_yen"]),
                _k(b["contribution_received_yen"]),
                _k(b["support_yen"]),
                _k(b["net_cost_yen"]),
            )
        console.print(t)
    totals = res.to_dict()["totals"]
    years = f"{FiscalYear(res.case.years[0]).wareki()}〜{FiscalYear(res.case.years[-1]).wareki()}"
    t = Table(title=f"期間合計 {years}（千円）")
    for col in ("団体", "負担（総額）", "負担金 受取", "措置額", "実質負担"):
        t.add_column(col, justify="left" if col == "団体" else "right", overflow="fold")
    for row in totals["by_municipality"].values():
        t.add_row(row["name"], _k(row["gross_cost_yen"]), _k(row["contribution_received_yen"]),
                  _k(row["support_yen"]), _k(row["net_cost_yen"]))
    t.add_row("[bold]計[/]", _k(totals["gross_cost_yen"]), _k(totals["contribution_received_yen"]),
              _k(totals["support_yen"]), _k(totals["net_cost_yen"]))
    console.print(t)
    t = Table(title="措置の明細（対象外は理由つき）")
    for col in ("年度", "団体", "措置", "ポスト→派遣先", "基礎額", "措置額", "理由・注記"):
        t.add_column(col, overflow="fold")
    for ln in res.lines:
        o = ln.get("origin") or {}
        t.add_row(
            FiscalYear(int(ln["fiscal_year"])).short(),
            body_name(str(ln["municipality"])),
            MEASURE_JA.get(str(ln["measure"]), str(ln["measure"])),
            f"{o.get('post', '')}→{body_name(o['receiver'])}" if o.get("receiver") else "",
            format_yen(int(ln.get("base_yen") or 0)),
            format_yen(int(ln.get("amount_yen") or 0)),
            "；".join(ln.get("notes") or []),
        )
    console.print(t)
    for w in res.warnings:
        console.print(f"[yellow]注意:[/] {w}")


def _write_xlsx(out: str, res: SupportResult, sharing: SharingPlan | None) -> None:
    from pathlib import Path

    from kouiki.staffing.export import write_xlsx
    from kouiki.staffing.model import StaffingInputError

    path = Path(out)
    if path.suffix.lower() != ".xlsx":
        raise StaffingInputError(f"{path.name}: 拡張子は .xlsx にしてください")
    write_xlsx(path, res, sharing)
    err_console.print(f"Excel に書き出しました: {path}")


@app.command("support")
@friendly_errors
def support(
    file: str = typer.Argument(..., help=FILE_HELP),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
    items_only: bool = typer.Option(False, "--items", help="財政措置エンジンに渡す措置項目（fiscal plan）だけを出力"),
    overrides: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    xlsx: Annotated[str | None, typer.Option("--xlsx", help=XLSX_HELP)] = None,
) -> None:
    """入力した派遣について、年度ごとに各団体の負担と国の措置（人材確保の特別交付税）を計算する"""
    from kouiki.staffing.io import load_case
    from kouiki.staffing.items import build_items
    from kouiki.staffing.support import evaluate_support

    case = load_case(file)
    if items_only:
        items = build_items(case)
        print_json({**items.plan(), "refusals": [r.to_dict() for r in items.refusals], "warnings": items.warnings})
        return
    res = evaluate_support(case, overrides=overrides)
    if xlsx:
        _write_xlsx(xlsx, res, None)
    if as_json:
        print_json(res.to_dict())
        return
    console.print(f"[bold]{case.title}[/]")
    _support_tables(res)


@app.command("plan")
@friendly_errors
def plan(
    file: str = typer.Argument(..., help=FILE_HELP),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
    overrides: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    xlsx: Annotated[str | None, typer.Option("--xlsx", help=XLSX_HELP)] = None,
    keep_entered: bool = typer.Option(
        False, "--keep-entered", help="入力済みの派遣（協定済み）をその日数以上で残し、不足分だけ割り当てる"
    ),
) -> None:
    """各団体の需要とポストから、誰がどこに週何日派遣されるかの案と、各団体の負担・措置を年度ごとに示す"""
    from kouiki.staffing.io import load_case
    from kouiki.staffing.sharing import plan_sharing
    from kouiki.staffing.support import body_name, evaluate_support

    case = load_case(file)
    sharing = plan_sharing(case, keep_entered=keep_entered)
    support_res = evaluate_support(case, sharing.secondments, overrides=overrides)
    if xlsx:
        _write_xlsx(xlsx, support_res, sharing)
    if as_json:
        print_json({"title": case.title, **sharing.to_dict(), "support": support_res.to_dict()})
        return
    console.print(f"[bold]{case.title}[/] — 共同活用計画（案）")
    for yp in sharing.years:
        t = Table(title=f"{FiscalYear(yp.fiscal_year).wareki()} 派遣の割当（移動 計{yp.travel_km_per_week} km/週）")
        for col in ("ポスト", "職種", "勤務拠点", "派遣先", "週日数", "片道km", "既存"):
            t.add_column(col, overflow="fold")
        for a in yp.assignments:
            t.add_row(
                a["post"],
                case.type_name(a["specialist_type"]),
                body_name(a["base"]),
                body_name(a["receiver"]),
                str(a["days_per_week"]),
                str(a["km_one_way"]),
                "○" if a.get("kept") else "",
            )
        console.print(t)
        if yp.idle:
            idle = "、".join(f"{i['post']} 週{i['days_per_week']}日" for i in yp.idle)
            console.print(f"[dim]空いている日数: {idle}[/]")
        if yp.unmet:
            u = Table(title=f"{FiscalYear(yp.fiscal_year).wareki()} 充足できない需要")
            for col in ("団体", "職種", "需要(週日数)", "不足(週日数)", "理由"):
                u.add_column(col, overflow="fold")
            for row in yp.unmet:
                u.add_row(
                    body_name(row["body"]),
                    case.type_name(row["specialist_type"]),
                    str(row["demand_days_per_week"]),
                    str(row["unmet_days_per_week"]),
                    row["reason"],
                )
            console.print(u)
    for n in sharing.notes:
        console.print(f"[dim]{n}[/]")
    _support_tables(support_res)


@app.command("training")
@friendly_errors
def training(
    file: str = typer.Argument(..., help="人材育成基本方針の入力（.yaml / .xlsx）。demo（= training-demo）/ demo-xlsx でデモ"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
    overrides: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
) -> None:
    """人材育成基本方針と研修計画を要件①②③に照らし、年度ごとの措置を示す"""
    from kouiki.staffing import training as training_mod

    # `demo` means this command's demo (the 人材育成 one), as it does for plan and support.
    file = {"demo": "training-demo", "demo-xlsx": "training-demo-xlsx"}.get(file, file)
    res = training_mod.evaluate_training_file(file, overrides=overrides)
    if as_json:
        print_json(res.to_dict())
        return
    _print_training(res)


@app.command("advisor")
@friendly_errors
def advisor(
    body: str = typer.Option(..., "--body", help="要請する団体（コードまたは名称）"),
    field: str = typer.Option(..., "--field", help="支援分野（例: 広域連携, 公共施設等総合管理計画）"),
    purpose: str = typer.Option("advice", "--purpose", help="advice（助言）/ achieve_task（課題達成）/ training_event（研修会の講師）"),
    year: str | None = typer.Option(None, "--year", help="年度（例: R7。既定: 今年度）"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """経営・財務マネジメント強化事業のどの派遣方法が要請に合うかを示す（団体の負担なし）"""
    from kouiki.staffing import advisor as advisor_mod

    rec = advisor_mod.recommend(body, field, purpose, fiscal_year_or_current(year))
    if as_json:
        print_json(rec.to_dict())
        return
    _print_recommendation(rec)


@app.command("template")
@friendly_errors
def template(
    out: str = typer.Argument(..., help="書き出す .xlsx のパス"),
    demo: bool = typer.Option(False, "--demo", help="デモ（青森県・弘前圏域）の内容を入れる"),
    training_book: bool = typer.Option(False, "--training", help="人材育成（基本方針・重点課題・研修・市町村目標・研修経費）の様式"),
    force: bool = typer.Option(False, "--force", help="既存のファイルを上書きする"),
) -> None:
    """Excel の入力様式を書き出す（派遣: 設定・協約・議会議決・ポスト・派遣・需要、記入例と説明のシート付き。選ぶ欄は一覧から選べる。--training で人材育成）"""
    from pathlib import Path

    from kouiki.staffing.io import read_mapping, strip_lines
    from kouiki.staffing.model import StaffingInputError
    from kouiki.staffing.xlsx import write_training_workbook, write_workbook

    path = Path(out)
    if path.suffix.lower() != ".xlsx":
        raise StaffingInputError(f"{path.name}: 拡張子は .xlsx にしてください")
    if path.exists() and not force:
        raise StaffingInputError(f"{path} は既にあります（上書きするには --force）")
    if training_book:
        write_training_workbook(strip_lines(read_mapping("training-demo")[0]) if demo else {}, path)
    else:
        write_workbook(strip_lines(read_mapping("demo")[0]) if demo else {}, path)
    console.print(f"書き出しました: {path}")


@app.command("types")
@friendly_errors
def types(as_json: bool = typer.Option(False, "--json", help="JSONで出力")) -> None:
    """専門人材の職種の一覧（id・名称・別名・出典）。入力ファイルの specialist_types で追加できる"""
    from kouiki.staffing.model import builtin_types

    if as_json:
        print_json(
            [
                {"id": t.id, "name": t.name, "aliases": list(t.aliases), "description": t.description, "source": t.source}
                for t in builtin_types()
            ]
        )
        return
    table = Table(title="専門人材の職種")
    for col in ("id", "名称", "別名", "出典"):
        table.add_column(col, overflow="fold")
    for t in builtin_types():
        table.add_row(t.id, t.name, "、".join(t.aliases), t.source or "")
    console.print(table)


def _print_training(res: TrainingResult) -> None:
    """Rich tables of a 人材育成 result (moved here from staffing/training.py: engines do not print)."""
    from kouiki.staffing.support import body_name

    console.print(f"[bold]{res.title}[/]")
    t = Table(title="研修プログラムと要件①②③")
    for col in ("団体", "研修", "広域", "①", "②", "③", "広域要件", "判定", "理由"):
        t.add_column(col, overflow="fold")

    def mark(v: bool | None) -> str:
        return "—" if v is None else ("○" if v else "×")

    for c in res.programmes:
        wide = None if not c["wide_area"] else bool(c["wide_area_ok"] and c["participants_meet_conditions"])
        t.add_row(c["name"], c["programme_name"], "○" if c["wide_area"] else "", mark(c["priority_in_plan"]),
                  mark(c["systematic_program"]), mark(c["numeric_target"]), mark(wide),
                  "対象" if c["all_met"] else "対象外", "；".join(c["reasons"]))
    console.print(t)
    if res.lines:
        t2 = Table(title="年度ごとの措置")
        for col in ("年度", "団体", "研修", "区分", "基礎額", "措置額", "注記"):
            t2.add_column(col, overflow="fold")
        for ln in res.lines:
            t2.add_row(FiscalYear(int(ln["fiscal_year"])).short(), body_name(str(ln["municipality"])),
                       str(ln.get("programme") or ""), str(ln.get("kind", "")),
                       format_yen(int(ln.get("base_yen") or 0)), format_yen(int(ln.get("amount_yen") or 0)),
                       "；".join(ln.get("notes") or []))
        console.print(t2)
    for w in res.warnings:
        console.print(f"[yellow]注意:[/] {w}")


def _print_recommendation(rec: Recommendation) -> None:
    """The recommended dispatch (moved here from staffing/advisor.py: engines do not print)."""

    console.print(f"[bold]{rec.body_name}[/]（{FiscalYear(rec.fiscal_year).wareki()}）支援分野: {rec.field or '—'}")
    if rec.mode is None:
        console.print("[red]派遣の方法を示せません[/]" if rec.eligible is False else "[yellow]判定できません（データなし）[/]")
    else:
        console.print(f"推奨する方法: [bold green]{rec.mode['name']}[/]（{rec.mode['dispatched_to']}へ派遣）")
    for r in rec.reasons:
        console.print(f"・{r}")
    for a in rec.alternatives:
        console.print(f"[dim]参考: {a}[/]")
