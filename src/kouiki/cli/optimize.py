"""`kouiki optimize …`: p-median, cp-median, mclp, lscp, consolidate (施設配置の最適化)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from kouiki.cli.common import console, friendly_errors, print_json
from kouiki.reference.calendar import FiscalYear

if TYPE_CHECKING:  # the solver (numpy, scipy, highspy, numba) loads inside each command
    from kouiki.optimize.problem import Problem
    from kouiki.optimize.result import Result

app = typer.Typer(help="施設配置の最適化 (p-median・容量制約・被覆・集約化)", no_args_is_help=True)

Demand = Annotated[Path, typer.Option("--demand", help="需要点 CSV: id, lat, lon, weight [, municipality_code]")]
Cands = Annotated[Path, typer.Option("--candidates", help="候補地 CSV: id, lat, lon [, municipality_code, capacity, fixed, …]")]
Matrix = Annotated[Path | None, typer.Option("--matrix", help="移動時間行列 (long form: origin_id, destination_id, minutes, km)")]
MatrixCol = Annotated[str, typer.Option("--matrix-column", help="行列の列 (minutes / km)")]
TimeLimit = Annotated[float | None, typer.Option("--time-limit", help="制限時間 (秒)")]
Gap = Annotated[float | None, typer.Option("--gap", help="目標の相対ギャップ (例 0.001 = 0.1%)")]
Json = Annotated[bool, typer.Option("--json", help="JSON で出力")]
Scenario = Annotated[Path | None, typer.Option("--scenario", help="結果を施設シナリオ YAML に保存 (kouiki facilities evaluate 用)")]
Year = Annotated[str, typer.Option("--fiscal-year", help="シナリオの廃止年度 (例 R8, 2026)")]
InvRef = Annotated[str | None, typer.Option(
    "--inventory", help="シナリオが指す施設台帳 (ファイルまたは demo:<圏域>; 候補地 id = 施設ID。--scenario に必要)")]
MaxKm = Annotated[float | None, typer.Option("--max-km", help="被覆の距離閾値 (km)")]
MaxMin = Annotated[float | None, typer.Option("--max-minutes", help="被覆の時間閾値 (分; --matrix が必要)")]


def _problem(demand: Path, candidates: Path, matrix: Path | None, column: str) -> Problem:
    from kouiki.optimize.problem import Problem

    return Problem.from_csv(demand, candidates, matrix, column)


def _limit(prob: Problem, max_km: float | None, max_minutes: float | None, required: bool) -> float | None:
    from kouiki.optimize.problem import OptimizeInputError

    if max_km is not None and max_minutes is not None:
        raise OptimizeInputError("--max-km と --max-minutes はどちらか一方にしてください")
    if max_minutes is not None and prob.unit != "minutes":
        raise OptimizeInputError("--max-minutes には分単位の移動時間行列 (--matrix, --matrix-column minutes) が必要です")
    if max_km is not None and prob.unit != "km":
        raise OptimizeInputError("--max-km は距離 (km) の問題にだけ使えます (行列が分単位です)")
    lim = max_km if max_km is not None else max_minutes
    if required and lim is None:
        raise OptimizeInputError("閾値 --max-km または --max-minutes を指定してください")
    return lim


def _run(model: Any, time_limit: float | None, gap: float | None, quiet: bool) -> Result:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if quiet:
        res: Result = model.solve(time_limit, gap)
        return res
    with Progress(TextColumn("[bold]最適化中[/]"), BarColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("", total=None)

        def report(seconds: float, ub: float, lb: float) -> None:
            g = (ub - lb) / ub if ub > 0 else 0.0
            progress.update(task, description=f"目的関数 {ub:,.1f}  下界 {lb:,.1f}  gap {g:.3%}")

        res = model.solve(time_limit, gap, report)
    return res


def _output(res: Result, as_json: bool, scenario: Path | None, year: str, prob: Problem, inventory: str | None = None,
            extra: dict[str, Any] | None = None) -> None:
    from kouiki.facilities.optimize_scenario import to_scenario, write_scenario
    from kouiki.optimize.problem import OptimizeInputError

    if scenario is not None:
        if not inventory:
            raise OptimizeInputError("--scenario には --inventory（候補地の施設IDが載っている施設台帳、または demo:<圏域>）が必要です")
        c = prob.candidates
        sc = to_scenario(res, name=scenario.stem, fiscal_year=FiscalYear.parse(year), inventory=inventory,
                         owners=dict(zip(c.ids, c.body, strict=True)), **(extra or {}))
        write_scenario(scenario, sc)
    if as_json:
        out = res.to_dict()
        if scenario is not None:
            out["scenario"] = str(scenario)
        print_json(out)
        return
    from kouiki.reports import words

    unit = "分" if res.unit == "minutes" else res.unit
    lb = "不明" if res.lower_bound is None else f"{res.lower_bound:,.1f}"
    console.print(f"[bold]{words.MODEL_LABELS.get(res.model, res.model)}[/]  状態: {words.STATUS_LABELS.get(res.status, res.status)}  "
                  f"目的関数: {res.objective:,.1f}（{unit}）  下界: {lb}  ギャップ: {words.gap_percent(res.gap)}  {res.seconds:.1f} 秒",
                  highlight=False)
    console.print(f"手法: {res.method}", highlight=False)
    console.print(f"選ばれた候補地 ({len(res.selected)}): {', '.join(res.selected[:40])}{' …' if len(res.selected) > 40 else ''}")
    if res.per_body:
        t = Table(title="構成団体別")
        for col in ("団体コード", "需要点", "需要量", "平均距離", "残す施設", "廃止"):
            t.add_column(col, justify="right")
        for b in res.per_body:
            md = "–" if b["mean_distance"] is None else words.distance(b["mean_distance"], res.unit)
            t.add_row(b["municipality_code"], str(b["demand_points"]), f"{b['demand_weight']:,.0f}", md,
                      str(b["sites_kept"]), str(b["sites_closed"]))
        console.print(t)
    if res.details.get("covered_share") is not None:
        console.print(f"{words.label('covered_share')}: {words.share_percent(res.details['covered_share'])}", highlight=False)
    for k in ("site_cost_yen", "note"):
        if k in res.details:
            console.print(f"{words.label(k)}: {words.value_text(res.details[k])}", highlight=False)
    if scenario is not None:
        console.print(f"シナリオを保存しました: {scenario}  → kouiki facilities evaluate {scenario}")


@app.command("p-median")
@friendly_errors
def p_median(demand: Demand, candidates: Cands, p: Annotated[int, typer.Option("--p", help="選ぶ施設数")],
             matrix: Matrix = None, matrix_column: MatrixCol = "minutes", time_limit: TimeLimit = None, gap: Gap = None,
             json: Json = False, scenario: Scenario = None, fiscal_year: Year = "R8", inventory: InvRef = None) -> None:
    """p-median: 住民の移動距離（重み付き）の合計が最小になる p 施設を選ぶ"""
    from kouiki.optimize.models import PMedian

    prob = _problem(demand, candidates, matrix, matrix_column)
    _output(_run(PMedian(prob, p), time_limit, gap, json), json, scenario, fiscal_year, prob, inventory)


@app.command("cp-median")
@friendly_errors
def cp_median(demand: Demand, candidates: Cands, p: Annotated[int, typer.Option("--p", help="選ぶ施設数")],
              matrix: Matrix = None, matrix_column: MatrixCol = "minutes", time_limit: TimeLimit = None, gap: Gap = None,
              json: Json = False, scenario: Scenario = None, fiscal_year: Year = "R8", inventory: InvRef = None) -> None:
    """容量制約付き p-median (各需要点は1施設に割当て; 候補地 CSV の capacity)"""
    from kouiki.optimize.models import CapacitatedPMedian

    prob = _problem(demand, candidates, matrix, matrix_column)
    _output(_run(CapacitatedPMedian(prob, p), time_limit, gap, json), json, scenario, fiscal_year, prob, inventory)


@app.command("mclp")
@friendly_errors
def mclp(demand: Demand, candidates: Cands, p: Annotated[int, typer.Option("--p", help="選ぶ施設数")],
         max_km: MaxKm = None, max_minutes: MaxMin = None, matrix: Matrix = None, matrix_column: MatrixCol = "minutes",
         time_limit: TimeLimit = None, gap: Gap = None, json: Json = False, scenario: Scenario = None,
         fiscal_year: Year = "R8", inventory: InvRef = None) -> None:
    """最大被覆 (MCLP): 閾値内の需要が最大になる p 施設（目的関数の値は被覆されない需要量）"""
    from kouiki.optimize.models import MaxCover

    prob = _problem(demand, candidates, matrix, matrix_column)
    lim = _limit(prob, max_km, max_minutes, required=True)
    assert lim is not None
    _output(_run(MaxCover(prob, p, lim), time_limit, gap, json), json, scenario, fiscal_year, prob, inventory)


@app.command("lscp")
@friendly_errors
def lscp(demand: Demand, candidates: Cands, max_km: MaxKm = None, max_minutes: MaxMin = None, matrix: Matrix = None,
         matrix_column: MatrixCol = "minutes", time_limit: TimeLimit = None, gap: Gap = None, json: Json = False,
         scenario: Scenario = None, fiscal_year: Year = "R8", inventory: InvRef = None) -> None:
    """集合被覆 (LSCP): すべての需要点を閾値内に収める最少の施設"""
    from kouiki.optimize.models import SetCover

    prob = _problem(demand, candidates, matrix, matrix_column)
    lim = _limit(prob, max_km, max_minutes, required=True)
    assert lim is not None
    _output(_run(SetCover(prob, lim), time_limit, gap, json), json, scenario, fiscal_year, prob, inventory)


@app.command("consolidate")
@friendly_errors
def consolidate(
    demand: Demand, candidates: Cands,
    coverage: Annotated[float, typer.Option("--coverage", help="閾値内に収める需要の割合 (0–1)")] = 0.0,
    max_km: MaxKm = None, max_minutes: MaxMin = None,
    min_per_body: Annotated[int, typer.Option("--min-per-body", help="各構成団体に残す最少施設数")] = 0,
    floor_reduction: Annotated[float, typer.Option("--floor-reduction", help="延床面積の削減率 (0–1)")] = 0.0,
    travel_yen: Annotated[float | None, typer.Option("--travel-yen", help="移動 1 単位 (重み×km/分) あたりの年額 (円)")] = None,
    max_sites: Annotated[int | None, typer.Option("--max-sites", help="残す施設数の上限")] = None,
    matrix: Matrix = None, matrix_column: MatrixCol = "minutes", time_limit: TimeLimit = None, gap: Gap = None,
    json: Json = False, scenario: Scenario = None, fiscal_year: Year = "R8", inventory: InvRef = None,
) -> None:
    """集約化モデル: 固定費＋更新費＋移動費を最小化 (被覆率・団体ごとの最低数・延床削減・存続/廃止指定・容量)"""
    from kouiki.optimize.models import Consolidation

    prob = _problem(demand, candidates, matrix, matrix_column)
    lim = _limit(prob, max_km, max_minutes, required=coverage > 0)
    model = Consolidation(prob, lim, coverage, min_per_body, floor_reduction, travel_yen, max_sites)
    _output(_run(model, time_limit, gap, json), json, scenario, fiscal_year, prob, inventory)


@app.command("keep-halls")
@friendly_errors
def keep_halls(
    k: Annotated[int, typer.Option("--k", help="残す施設数")],
    demo: Annotated[str | None, typer.Option("--demo", help="デモ圏域 (弘前圏域 / 播磨科学公園都市圏域 / 大和まほろば)")] = None,
    inventory: Annotated[str | None, typer.Option("--inventory", help="施設台帳ファイル (または demo:<圏域>)")] = None,
    category: Annotated[str, typer.Option("--category", help="大分類 (例 市民文化系施設)")] = "市民文化系施設",
    subcategory: Annotated[str | None, typer.Option("--subcategory", help="中分類で絞る (例 文化施設)")] = None,
    min_per_body: Annotated[int, typer.Option("--min-per-body", help="候補施設のある各構成団体に残す最少数 (0 = 制約なし)")] = 1,
    time_limit: TimeLimit = None, gap: Gap = None, json: Json = False, scenario: Scenario = None,
    fiscal_year: Year = "R8",
) -> None:
    """施設台帳の実在施設から k 施設を残す (p-median: 住民 × 最寄り施設までの距離の合計を最小化)"""
    from kouiki.facilities.optimize_bridge import inventory_problem, load
    from kouiki.facilities.optimize_scenario import to_scenario, write_scenario
    from kouiki.optimize.problem import OptimizeInputError

    if (demo is None) == (inventory is None):
        raise OptimizeInputError("--demo（デモ圏域）か --inventory（施設台帳）のどちらか一方を指定してください")
    from kouiki.facilities.inventory_source import InventorySource, SourceKind

    ref = f"demo:{demo}" if demo is not None else str(inventory)
    if InventorySource.parse(ref).kind is SourceKind.FILE:
        ref = str(Path(ref).resolve())  # a scenario resolves paths relative to itself: write an absolute one
    inv = load(ref)
    members: list[str] | None = None
    if demo is not None:  # every member body's residents, also those without facility data (藤崎町)
        from kouiki.facilities.demo import find_region

        members = list(find_region(demo).members)
    ip = inventory_problem(inv, ref, category, subcategory, members)
    res = _run_keep(ip, k, min_per_body, time_limit, gap, json)
    names = {f.facility_id: f for f in ip.facilities}
    if scenario is not None:
        sc = to_scenario(res, name=scenario.stem, fiscal_year=FiscalYear.parse(fiscal_year), inventory=ref,
                         owners={f.facility_id: f.municipality_code for f in ip.facilities}, bodies=ip.bodies,
                         categories=[ip.category.value], subcategories=[subcategory] if subcategory else None)
        write_scenario(scenario, sc)
    if json:
        out = res.to_dict()
        out["facilities"] = [{"facility_id": f.facility_id, "name": f.name, "municipality_code": f.municipality_code,
                              "floor_area_m2": f.floor_area_m2, "floor_area_imputed": "floor_area_m2" in f.imputed,
                              "kept": f.facility_id in res.selected} for f in ip.facilities]
        if scenario is not None:
            out["scenario"] = str(scenario)
        print_json(out)
        return
    prov = res.details["input"]
    lb = "不明" if res.lower_bound is None else f"{res.lower_bound:,.0f}"
    from kouiki.reports import words

    console.print(f"[bold]{ref} {prov['category']}{'／' + subcategory if subcategory else ''}: "
                  f"候補 {len(ip.facilities)} 施設から {len(res.selected)} 施設を残す[/]（{words.MODEL_LABELS.get(res.model, res.model)}、{res.method}）",
                  highlight=False)
    console.print(f"状態: {words.STATUS_LABELS.get(res.status, res.status)}  目的関数（人口×km）: {res.objective:,.0f}  下界: {lb}  "
                  f"ギャップ: {words.gap_percent(res.gap)}  {res.seconds:.1f} 秒", highlight=False)
    t = Table(title="候補施設（延床面積は推計値 imputed の場合 *）")
    for col in ("", "施設ID", "名称", "団体", "延床面積㎡"):
        t.add_column(col)
    from kouiki.reference import get as get_body

    for f in sorted(ip.facilities, key=lambda f: (f.facility_id not in res.selected, f.facility_id)):
        fa = "不明" if f.floor_area_m2 is None else f"{f.floor_area_m2:,}{' *' if 'floor_area_m2' in f.imputed else ''}"
        t.add_row("残す" if f.facility_id in res.selected else "廃止", f.facility_id, names[f.facility_id].name,
                  get_body(f.municipality_code).name, fa)
    console.print(t)
    fl = res.details.get("floor_area_m2")
    if fl:
        console.print(f"延床面積: {words.area_m2(fl['today'])}㎡ → {words.area_m2(fl['kept'])}㎡（{'推計値を含む' if fl['imputed'] else '台帳の値'}）")
    console.print(f"需要点 {prov['demand_points']} 点・人口 {prov['demand_population']:,} 人（{'; '.join(prov['demand_rules'])}）")
    for note in prov["notes"]:
        console.print(f"注: {note}")
    if scenario is not None:
        console.print(f"シナリオを保存しました: {scenario}  → kouiki facilities evaluate {scenario}")


def _run_keep(ip: Any, k: int, min_per_body: int, time_limit: float | None, gap: float | None, quiet: bool) -> Result:
    from kouiki.facilities.optimize_bridge import keep_k

    class _M:
        def solve(self, tl: float | None, gp: float | None, report: Any = None) -> Result:
            return keep_k(ip, k, min_per_body, tl, gp, report)

    return _run(_M(), time_limit, gap, quiet)


@app.command("region-demand")
@friendly_errors
def region_demand(
    members: Annotated[str, typer.Option("--members", help="構成団体 (コードまたは名称をカンマ区切り)")],
    out_demand: Annotated[Path, typer.Option("--out-demand", help="需要点 CSV の出力先")],
    out_candidates: Annotated[Path, typer.Option("--out-candidates", help="候補地 CSV の出力先 (各団体の役所位置)")],
    cell_km: Annotated[float, typer.Option("--cell-km", help="格子の間隔 (km)")] = 2.0,
    json: Json = False,
) -> None:
    """旧デモ用: 境界内の格子点 (人口を均等配分＝推計) と役所位置の候補地 CSV を作る（実在施設は keep-halls）"""
    from kouiki.optimize.demo import region_inputs, write_csv

    demand, cands = region_inputs([m.strip() for m in members.split(",") if m.strip()], cell_km)
    write_csv(out_demand, demand)
    write_csv(out_candidates, cands)
    info = {"demand": str(out_demand), "demand_points": len(demand), "candidates": str(out_candidates),
            "candidate_sites": len(cands), "weights": "imputed (see weight_rule column)"}
    if json:
        print_json(info)
    else:
        console.print(f"需要点 {len(demand)} 件 → {out_demand}（人口は推計配分）; 候補地 {len(cands)} 件 → {out_candidates}")
