"""CLI of facility scenarios: ``kouiki facilities access | evaluate | compare | travel-matrix | demand | share |
fees | council | scenario-schema``. ``register(app)`` adds them to the ``facilities`` Typer app.

Surfaces only: every figure comes from the engines (evaluate, access, sharing, fees, council).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from kouiki.cli.common import console, err_console, friendly_errors, print_json
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import format_yen
from kouiki.reference.municipalities import LATEST_CENSUS_YEAR
from kouiki.reference.municipalities import get as get_body

if TYPE_CHECKING:  # the engines (access, road graphs → numba/scipy, evaluate) load inside each command
    from kouiki.facilities import demand as demandmod
    from kouiki.facilities.evaluate import Progress
    from kouiki.facilities.result import ScenarioResult

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON で出力する")]


@contextmanager
def _progress(json_mode: bool) -> Iterator[Progress]:
    """A Rich status line on stderr (so --json stdout stays clean)."""
    con = err_console if json_mode else console
    with con.status("計算中…") as status:
        def update(msg: str) -> None:
            status.update(msg)
        yield update


def _name(code: str) -> str:
    try:
        return get_body(code).name
    except KouikiError:
        return code


def _man(yen: int | None) -> str:
    return "不明" if yen is None else format_yen(yen, "万円")


def _demand(inventory_bodies: list[str], source: Path | None, census_year: int) -> list[demandmod.DemandPoint]:
    from kouiki.facilities import demand as demandmod

    if source is None:
        return demandmod.approximate_demand(inventory_bodies, census_year)
    if source.suffix.lower() == ".csv":
        return demandmod.read_demand_csv(source)
    return demandmod.assign_bodies(demandmod.read_estat_mesh(source), inventory_bodies)


def register(app: typer.Typer) -> None:
    """Add the scenario commands to the ``facilities`` app."""

    @app.command("evaluate")
    @friendly_errors
    def evaluate_cmd(
        scenario: Annotated[str, typer.Argument(help="シナリオ YAML（同梱の例: demo:yamato）")],
        set_: Annotated[list[str] | None, typer.Option(
            "--set", help="財政措置のパラメータを仮に変える ID@年度=値（例: 集約化等の円滑化経費の措置上限額を令和7年度から6,000万円に → "
                    "consolidation_smoothing.cap@2025=60000000。ID は kouiki fiscal measures の注に出ます）")] = None,
        xlsx: Annotated[Path | None, typer.Option("--xlsx", help="協議会資料の Excel を書き出す（.xlsx）")] = None,
        pdf: Annotated[Path | None, typer.Option("--pdf", help="協議会資料の PDF（A4）を書き出す")] = None,
        json_out: JsonOpt = False,
    ) -> None:
        """再編シナリオを評価する（延床面積・アクセス・40年の費用・財政措置・負担・使用料）"""
        from kouiki.facilities.evaluate import evaluate_file
        from kouiki.facilities.finance import default_engine

        engine = default_engine(list(set_)) if set_ else None
        with _progress(json_out) as progress:
            result = evaluate_file(scenario, engine=engine, progress=progress)
        if set_:
            result.financing.overrides = list(set_)
        if xlsx is not None:
            from kouiki.reports.scenario import workbook

            xlsx.write_bytes(workbook(result))
            (err_console if json_out else console).print(f"Excel を保存しました: {xlsx}")
        if pdf is not None:
            from kouiki.reports.scenario import pdf as scenario_pdf

            pdf.write_bytes(scenario_pdf(result))
            (err_console if json_out else console).print(f"PDF を保存しました: {pdf}")
        if json_out:
            print_json(result.to_dict())
            return
        _print_evaluation(result)

    @app.command("compare")
    @friendly_errors
    def compare_cmd(
        scenarios: Annotated[list[str], typer.Argument(help="比較するシナリオ YAML（2つ以上、demo:yamato も可）")],
        json_out: JsonOpt = False,
    ) -> None:
        """複数のシナリオを比較する"""
        from kouiki.facilities.compare import compare as compare_results
        from kouiki.facilities.evaluate import evaluate_file

        with _progress(json_out) as progress:
            results = [evaluate_file(p, progress=progress) for p in scenarios]
        out = compare_results(results)
        if json_out:
            print_json(out)
            return
        from kouiki.reports.words import area_m2

        t = Table(title="シナリオ比較")
        for col in ("シナリオ", "延床面積 前→後 ㎡", "減少", "40年費用（名目）", "削減額（名目）", "削減額（割引後）", "国等の支援"):
            t.add_column(col)
        for r in out["scenarios"]:
            for w in r["savings_withheld"]:
                err_console.print(f"[yellow]{r['name']}: {w}[/]")
            t.add_row(r["name"], f"{area_m2(r['floor_area_before_m2'])}→{area_m2(r['floor_area_after_m2'])}",
                      {True: "○", False: "×", None: "不明"}[r["floor_area_reduced"]], _man(r["cost_nominal_yen"]),
                      _man(r["savings_nominal_yen"]), _man(r["savings_discounted_yen"]), _man(r["support_yen"]))
        console.print(t)

    @app.command("access")
    @friendly_errors
    def access_cmd(
        inventory: Annotated[Path, typer.Argument(help="施設台帳（kouiki テンプレート / 公共施設一覧 / 固定資産台帳）")],
        category: Annotated[str, typer.Option("--category", help="大分類（例: 市民文化系施設）")],
        subcategory: Annotated[str | None, typer.Option("--subcategory", help="中分類で絞る（例: 文化施設）")] = None,
        demand: Annotated[Path | None, typer.Option("--demand", help="需要点CSV（id,lat,lon,weight）または e-Stat メッシュ txt")] = None,
        matrix: Annotated[Path | None, typer.Option("--matrix", help="所要時間行列（長形式 CSV）")] = None,
        road_graph: Annotated[Path | None, typer.Option("--road-graph", help="道路網（.graphml / .gpkg / .osm.pbf）: 1回の多始点探索")] = None,
        close: Annotated[list[str] | None, typer.Option("--close", help="廃止する施設ID（複数可）: 前後比較")] = None,
        threshold: Annotated[str | None, typer.Option("--threshold", help="T分圏の T（分）")] = None,
        census_year: Annotated[int, typer.Option("--census-year", help="需要の人口の国勢調査年（既定: 同梱の最新）")] = LATEST_CENSUS_YEAR,
        json_out: JsonOpt = False,
    ) -> None:
        """最寄り施設までの所要時間（人口加重平均・90パーセンタイル・T分圏人口割合）を団体別に示す"""
        from kouiki.facilities import access as accessmod
        from kouiki.facilities.evaluate import load_inventory
        from kouiki.facilities.model import MajorCategory
        from kouiki.facilities.travel import Site, TravelMatrix, great_circle_matrix, travel_mode

        try:
            cat = MajorCategory(category)
        except ValueError:
            raise KouikiError(f"大分類が不明です: {category}（例: {', '.join(c.value for c in MajorCategory)}）") from None
        inv = load_inventory(str(inventory), Path.cwd())
        bodies = inv.municipalities()
        facs = [f for f in inv.facilities if f.category == cat and (subcategory is None or f.subcategory == subcategory)]
        if not facs:
            raise KouikiError(f"{inventory}: {cat.value}{'・' + subcategory if subcategory else ''} の施設がありません")
        located = [f for f in facs if f.lat is not None and f.lon is not None]
        no_loc = [f.facility_id for f in facs if f.lat is None or f.lon is None]
        ids = [f.facility_id for f in located]
        t = Decimal(threshold) if threshold else None
        unknown = [c for c in (close or []) if c not in ids]
        if unknown:
            raise KouikiError(f"--close の施設IDが台帳（位置のある{cat.value}）にありません: {', '.join(unknown)}")
        after_ids = [i for i in ids if i not in set(close or [])]
        sites = [Site(f.facility_id, f.lat or 0.0, f.lon or 0.0) for f in located]
        with _progress(json_out) as progress:
            progress("需要点の準備")
            points = _demand(bodies, demand, census_year)
            progress("所要時間の計算")
            if matrix is not None:
                tm = TravelMatrix.read(matrix)
                travel_info = tm.provenance
                change = accessmod.compare(points, tm, ids, after_ids, t)
            elif road_graph is not None:
                from kouiki.facilities import roadgraph

                g = roadgraph.load(road_graph)
                travel_info = g.provenance()
                change = accessmod.compare_network(points, g, sites, ids, after_ids, t)
            else:
                mode = travel_mode()
                travel_info = great_circle_matrix([points[0].site()], sites[:1], mode).provenance
                change = accessmod.compare_great_circle(points, sites, ids, after_ids, mode, t)
        out = {"category": cat.value, "subcategory": subcategory, "travel": travel_info, "excluded_no_location": no_loc, **change.to_dict()}
        if json_out:
            print_json(out)
            return
        _print_access(cat.value, out)

    @app.command("travel-matrix")
    @friendly_errors
    def travel_matrix_cmd(
        inventory: Annotated[Path, typer.Argument(help="施設台帳")],
        out: Annotated[Path, typer.Option("--out", help="出力する長形式 CSV（横に .json の由来情報）")],
        demand: Annotated[Path | None, typer.Option("--demand")] = None,
        road_graph: Annotated[Path | None, typer.Option("--road-graph", help=".graphml / .gpkg / .osm.pbf")] = None,
        mode: Annotated[str | None, typer.Option("--mode", help="car / walk / bus")] = None,
        limit: Annotated[float | None, typer.Option("--limit-minutes", help="道路網探索の打切り（分）")] = None,
        workers: Annotated[int, typer.Option("--workers", help="道路網探索の並列数（numba: スレッド、scipy: プロセス）")] = 1,
        json_out: JsonOpt = False,
    ) -> None:
        """需要点×施設の所要時間行列を作り、最適化と共用する CSV に保存する"""
        from kouiki.facilities.evaluate import load_inventory
        from kouiki.facilities.travel import Site, great_circle_matrix, travel_mode

        inv = load_inventory(str(inventory), Path.cwd())
        sites = [Site(f.facility_id, f.lat, f.lon) for f in inv.facilities if f.lat is not None and f.lon is not None]
        with _progress(json_out) as progress:
            progress("需要点の準備")
            points = _demand(inv.municipalities(), demand, 2020)
            if road_graph is not None:
                from kouiki.facilities import roadgraph

                progress("道路ネットワークの読み込み")
                g = roadgraph.load(road_graph)
                def searched(done: int, total: int) -> None:
                    progress(f"道路網探索 {done:,}/{total:,} 始点（{g.n_nodes:,} ノード）")

                tm = g.travel_matrix([p.site() for p in points], sites, limit_minutes=limit, workers=workers, progress=searched)
            else:
                tm = great_circle_matrix([p.site() for p in points], sites, travel_mode(mode))
            tm.write(out)
        info = {"file": str(out), "sidecar": str(out) + ".json", "origins": len(tm.origin_ids),
                "destinations": len(tm.destination_ids), "method": tm.provenance.get("method")}
        if json_out:
            print_json(info)
        else:
            console.print(f"所要時間行列を保存しました: {out}（需要点 {info['origins']} × 施設 {info['destinations']}, {info['method']}）")

    @app.command("demand")
    @friendly_errors
    def demand_cmd(
        bodies: Annotated[list[str], typer.Argument(help="団体コードまたは団体名")],
        out: Annotated[Path, typer.Option("--out", help="需要点 CSV（id,lat,lon,weight,municipality_code）")],
        mesh: Annotated[Path | None, typer.Option("--mesh", help="e-Stat 国勢調査 地域メッシュ統計 txt")] = None,
        projection: Annotated[Path | None, typer.Option("--projection", help="社人研 市区町村別将来推計人口 CSV/XLSX")] = None,
        year: Annotated[int | None, typer.Option("--year", help="推計年（--projection と共に）")] = None,
        census_year: Annotated[int, typer.Option("--census-year", help="需要の人口の国勢調査年（既定: 同梱の最新）")] = LATEST_CENSUS_YEAR,
        json_out: JsonOpt = False,
    ) -> None:
        """需要点（人口の分布）を作る: メッシュ人口、将来推計、または概算"""
        from kouiki.facilities import demand as demandmod

        codes = [get_body(b).code for b in bodies]
        points = demandmod.assign_bodies(demandmod.read_estat_mesh(mesh), codes) if mesh else demandmod.approximate_demand(codes, census_year)
        if projection is not None:
            if year is None:
                raise KouikiError("--projection には --year（推計年）が必要です")
            points = demandmod.project_by_body(points, demandmod.read_ipss_projection(projection), year)
        demandmod.write_demand_csv(points, out)
        summary = {"file": str(out), "points": len(points), "population": sum(p.population for p in points),
                   "approximate": any(p.approximate for p in points), "rule": next((p.rule for p in points if p.rule), None)}
        if json_out:
            print_json(summary)
        else:
            console.print(f"需要点 {summary['points']} 点（人口 {summary['population']:,} 人）を保存しました: {out}")
            if summary["rule"]:
                console.print(f"[yellow]{summary['rule']}[/]")

    @app.command("share")
    @friendly_errors
    def share_cmd(
        total_yen: Annotated[int, typer.Argument(help="按分する額（円）")],
        bodies: Annotated[list[str], typer.Argument(help="団体コードまたは団体名")],
        method: Annotated[str, typer.Option("--method", help="equal/均等割, population/人口割, usage/利用割, fixed, mix")] = "population",
        weights: Annotated[str | None, typer.Option("--weights", help="mix の重み 例: equal=0.1,population=0.9")] = None,
        usage: Annotated[str | None, typer.Option("--usage", help="利用割: 団体コード=利用者数,…")] = None,
        shares: Annotated[str | None, typer.Option("--shares", help="fixed: 団体コード=割合,…")] = None,
        json_out: JsonOpt = False,
    ) -> None:
        """費用を団体間で按分する（均等割・人口割・利用割・組合せ・固定割合）。合計は1円単位で一致する"""
        from kouiki.facilities import sharing as sharingmod

        def kv(text: str | None) -> dict[str, str]:
            if not text:
                return {}
            try:
                return {k.strip(): v.strip() for k, v in (p.split("=") for p in text.split(","))}
            except ValueError:
                raise KouikiError(f"「キー=値,キー=値」の形式で指定してください: {text}") from None

        codes = [get_body(b).code for b in bodies]
        rule = sharingmod.ShareRule.from_dict({"method": method, "weights": kv(weights), "usage": kv(usage), "shares": kv(shares)}, "--method")
        parts = sharingmod.split(total_yen, rule, codes)
        fractions = {b: x.quantize(Decimal("0.000001")) for b, x in sharingmod.shares(rule, codes).items()}
        out = {"total_yen": total_yen, "rule": rule.describe(), "by_municipality": parts,
               "shares": {b: str(x) for b, x in fractions.items()}}
        if json_out:
            print_json(out)
            return
        t = Table(title=f"按分: {rule.describe()}")
        t.add_column("団体")
        t.add_column("割合", justify="right")
        t.add_column("負担額", justify="right")
        for b, v in parts.items():
            t.add_row(_name(b), f"{fractions[b] * 100:.2f}%", format_yen(v))
        console.print(t)

    @app.command("fees")
    @friendly_errors
    def fees_cmd(
        file: Annotated[Path, typer.Argument(help="使用料の YAML（fees: のリスト、またはシナリオ）")],
        json_out: JsonOpt = False,
    ) -> None:
        """使用料の統一案と激変緩和の段階（年度ごとの上限 ×1.2 等）を示す"""
        import yaml

        from kouiki.facilities.fees import FeeGroup
        from kouiki.facilities.fees import evaluate as evaluate_fees

        data = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
        groups = data.get("fees", []) if isinstance(data, dict) else data
        if not isinstance(groups, list) or not groups:
            raise KouikiError(f"{file}: fees のリストがありません")
        results = [evaluate_fees(FeeGroup.from_dict(g, f"{file}: fees[{i}]")).to_dict() for i, g in enumerate(groups)]
        if json_out:
            print_json({"fees": results})
            return
        for r in results:
            _print_fee(r)

    @app.command("council")
    @friendly_errors
    def council_cmd(
        file: Annotated[Path, typer.Argument(help="広域的な議論の場の記録 YAML（council: またはその中身）")],
        json_out: JsonOpt = False,
    ) -> None:
        """広域的な議論の場（協議会）の記録と、調査検討経費の団体・年度別の額（財政計画の明細）を示す"""
        import yaml

        from kouiki.facilities.council import Council

        data = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
        c = Council.from_dict(data.get("council", data) if isinstance(data, dict) else {}, str(file))
        out = {**c.to_dict(), "plan_items": c.plan_items()}
        if json_out:
            print_json(out)
            return
        console.print(f"[bold]{c.name}[/] 構成団体: {', '.join(_name(m) for m in c.members)}")
        t = Table(title="調査検討経費（団体・年度別）")
        t.add_column("団体")
        t.add_column("年度")
        t.add_column("経費", justify="right")
        for b, ys in c.costs_by_body_year().items():
            for y, v in ys.items():
                t.add_row(_name(b), FiscalYear(y).wareki(), format_yen(v))
        console.print(t)

    @app.command("scenario-schema")
    def schema_cmd() -> None:
        """シナリオ YAML の JSON Schema を出力する"""
        from kouiki.facilities.scenario import json_schema

        print_json(json_schema())


# ---- human output -----------------------------------------------------------------------------------


def _print_access(category: str, out: dict[str, Any]) -> None:
    t = Table(title=f"{category}: 最寄り施設までの所要時間（前 → 後）")
    for col in ("団体", "人口", "平均（分）", "90%（分）", f"{out['before']['threshold_minutes']}分圏割合"):
        t.add_column(col, justify="right")
    b, a = out["before"], out["after"]
    for code in sorted(b["by_municipality"]):
        x, y = b["by_municipality"][code], a["by_municipality"].get(code, {})
        t.add_row(_name(code), f"{x['population']:,}", f"{x['mean_minutes']} → {y.get('mean_minutes')}",
                  f"{x['p90_minutes']} → {y.get('p90_minutes')}",
                  f"{(x['share_within'] or 0) * 100:.1f}% → {(y.get('share_within') or 0) * 100:.1f}%")
    console.print(t)
    lost = out["lose_access"]
    by = "、".join(f"{_name(b)} {p:,}人" for b, p in lost["by_municipality"].items())
    console.print(f"{out['before']['threshold_minutes']}分圏から外れる人口: {lost['population']:,} 人" + (f"（{by}）" if by else ""))
    for n in b.get("notes", []):
        console.print(f"[yellow]注: {n}[/]")


def _print_fee(r: dict[str, Any]) -> None:
    console.print(f"[bold]{r['facility_type']}[/] 統一料金 {r['unified_fee_yen']:,}円（{r['basis']}）")
    t = Table()
    for col in ("団体", "現行", "段階（年度: 料金）", "収入の変化/年", "激変緩和の費用"):
        t.add_column(col)
    for b, row in r["by_municipality"].items():
        steps = ", ".join(f"{FiscalYear(s['fiscal_year']).short()}: {s['fee_yen']:,}" for s in row["schedule"])
        chg = row.get("revenue_change_yen_per_year")
        t.add_row(_name(b), f"{row['current_fee_yen']:,}円", steps, "不明" if chg is None else format_yen(chg),
                  format_yen(row.get("smoothing_cost_yen") or 0))
    console.print(t)


def _print_evaluation(r: ScenarioResult) -> None:
    from kouiki.reports.scenario import headline_lines

    s = r.scenario
    console.print(f"[bold]{s.name}[/]  {FiscalYear(s.start_fiscal_year).wareki()}から{s.horizon_years}年間")
    for line in headline_lines(r):
        console.print(line)
    for w in r.warnings:
        console.print(f"[yellow]注意: {w}[/]")
    if r.floor_area.imputed:
        console.print(f"[yellow]注: 延床面積に推計値を含みます（{len(r.floor_area.imputed)} 施設）[/]")
    for cat, ch in r.access.by_category.items():
        _print_access(cat, ch.to_dict() | {"category": cat})
    for sub, ch in r.access.by_subcategory.items():
        _print_access(f"中分類 {sub}", ch.to_dict() | {"category": sub})
    fin = r.financing
    if fin.result is not None:
        tot = fin.totals
        console.print(f"国等の支援: {_man(tot.get('support_yen'))}  地方債: {_man(tot.get('financing_yen'))}")
    for n in fin.notes:
        console.print(f"[yellow]注: {n}[/]")
    nb = r.sharing.net_burden_by_municipality
    if nb:
        years = sorted({y for ys in nb.values() for y in ys})
        t = Table(title="実質負担（特交・交付税算入・補助の後、負担金按分後）団体×年度（万円）")
        t.add_column("団体")
        shown = years[:12]
        for y in shown:
            t.add_column(FiscalYear(y).short(), justify="right")
        t.add_column("計", justify="right")
        for b, ys in nb.items():
            t.add_row(_name(b), *[format_yen(ys.get(y, 0), "万円", suffix=False) for y in shown],
                      format_yen(sum(ys.values()), "万円", suffix=False))
        console.print(t)
        if len(years) > len(shown):
            console.print(f"（{FiscalYear(shown[-1] + 1).short()} 以降は --json で確認できます）")
        for act, sh in r.sharing.by_action.items():
            console.print(f"按分 {act}: {sh.rule}")
    for fee in r.fees:
        _print_fee(fee.to_dict())


__all__ = ["register"]
