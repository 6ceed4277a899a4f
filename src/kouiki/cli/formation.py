"""`kouiki formation …`: 中心市 check, neighbour indicators, census import (e-Stat)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kouiki.cli.common import console, friendly_errors, print_json, table
from kouiki.reference.errors import KouikiError

if TYPE_CHECKING:  # the engine and the store load inside each command
    from kouiki.formation.census import CensusData
    from kouiki.formation.central import CentralCityResult
    from kouiki.formation.params import FormationParams

app = typer.Typer(help="圏域形成: 中心市の要件・近隣市町村の指標・国勢調査の取込", no_args_is_help=True)

RESULT_JA = {"pass": "適合", "fail": "不適合", "unknown": "不明"}
ELIGIBLE_JA = {True: "要件を満たす", False: "要件を満たさない", None: "判定できない（不明な数値あり）"}


def _params(path: Path | None) -> FormationParams:
    """--params, else <KOUIKI_DATA_DIR>/parameters/formation.yaml when the user placed one, else the bundled file."""
    from kouiki.formation.params import load_params

    if path is not None:
        return load_params(path)
    from kouiki.settings import user_parameters_dir

    user = user_parameters_dir() / "formation.yaml"
    return load_params(user if user.exists() else None)


def _census_and_regions() -> tuple[CensusData, set[str], list[object]]:
    """Bundled census figures overlaid with the imported ones, and the registered regions (store)."""
    from kouiki.formation.census import bundled_census
    from kouiki.store import session
    from kouiki.store.formation import imported_figures
    from kouiki.store.regions import list_regions

    with session() as s:
        figures = imported_figures(s)
        regions = list_regions(s)
    recorded = {c for r in regions for c in r.central}
    return bundled_census().overlaid(figures), recorded, list(regions)


def _print_result(r: CentralCityResult) -> None:
    from kouiki.formation.census import census_title
    from kouiki.reference.municipalities import registry

    names = "・".join(b.name for b in r.bodies)
    t = table(f"中心市の要件: {names}（{ {'standard': '通常', 'compound': '複眼型', 'single_merged': '合併1市'}[r.kind] }）",
              "要件", "値", "基準", "判定", "調査", "出典")
    sources: list[str] = []
    for c in r.criteria:
        ref = "—"
        if c.source:
            if c.source not in sources:
                sources.append(c.source)
            ref = f"[{sources.index(c.source) + 1}]"
        label = c.label if c.municipality is None or len(r.bodies) == 1 else f"{c.label}（{registry().by_code(c.municipality).name}）"
        if not c.blocking:
            label += "［参考］"
        value = "不明" if c.value is None else (f"{c.value:,}" if isinstance(c.value, int) and not isinstance(c.value, bool) else str(c.value))
        t.add_row(label, value, c.threshold, RESULT_JA[c.result], "—" if c.year is None else census_title(c.year), ref)
    console.print(t)
    for i, src in enumerate(sources, 1):
        console.print(f"[{i}] {src}", highlight=False, markup=False)
    for c in r.criteria:
        for n in c.notes:
            console.print(f"・{c.label}: {n}")
    console.print(f"[bold]判定: {ELIGIBLE_JA[r.eligible]}[/]")


@app.command("check")
@friendly_errors
def check(
    body: str = typer.Argument(..., help="団体コード（5桁・6桁）または団体名（例: 弘前市）"),
    with_: str = typer.Option(None, "--with", help="複眼型: もう一つの市（隣接する市）"),
    former_ratio: str = typer.Option(None, "--former-ratio", help="合併市: 人口最大の旧市の昼夜間人口比率（100人当たり、例 101.3）"),
    former_source: str = typer.Option(None, "--former-source", help="--former-ratio の出典（必須）"),
    former_year: int = typer.Option(None, "--former-year", help="--former-ratio の国勢調査年（必須）"),
    merged: bool = typer.Option(False, "--single-merged", help="合併1市圏域として判定（広域合併した市; --former-ratio を使用）"),
    merged_source: str = typer.Option(None, "--merged-source", help="--single-merged: 合併の出典（例: 2006年 1市2町1村の合併）"),
    params: Path = typer.Option(None, "--params", help="要件のパラメータファイル（既定: 同梱の formation.yaml）"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """中心市の要件（市・人口・昼夜間人口比率・地域）を判定する。--with で複眼型、--single-merged で合併1市圏域"""
    from kouiki.formation.census import DaytimeFigure
    from kouiki.formation.central import check_central_city, check_compound, check_single_merged
    from kouiki.reference.municipalities import registry

    census, recorded, _ = _census_and_regions()
    p = _params(params)
    former = None
    if former_ratio is not None:
        if not former_source or not former_year:
            raise KouikiError("--former-ratio には --former-source（出典）と --former-year（国勢調査年）が必要です")
        m = registry().get(body)
        former = DaytimeFigure(code=m.code, census_year=former_year, ratio_per_100=Decimal(former_ratio),
                               source=f"{former_source}（利用者入力: 人口最大の旧市）", origin="imported")
    if with_ and merged:
        raise KouikiError("--with（複眼型）と --single-merged（合併1市）は同時に指定できません")
    if merged:
        result = check_single_merged(body, former, census, p, merged=True if merged_source else None,
                                     merged_source=merged_source, recorded_central=recorded)
    elif with_:
        result = check_compound(body, with_, census, p, recorded_central=recorded)
    else:
        result = check_central_city(body, census, p, former_city_ratio=former, recorded_central=recorded)
    if as_json:
        print_json(result.to_dict())
        return
    _print_result(result)


@app.command("neighbours")
@friendly_errors
def neighbours(
    body: str = typer.Argument(..., help="中心市の団体コードまたは団体名"),
    radius_km: float = typer.Option(None, "--radius-km", help="庁舎間距離がこの範囲の団体も一覧に含める（km）"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """近隣市町村の指標: 隣接・庁舎間距離・人口・通勤通学割合（10%は目安であり要件ではない）"""
    from kouiki.formation.neighbours import neighbour_indicators
    from kouiki.reference.municipalities import registry

    census, _, regions = _census_and_regions()
    central = registry().get(body)
    p = _params(None)
    rows = neighbour_indicators(central, census, p, regions=regions, radius_km=radius_km)  # type: ignore[arg-type]
    if as_json:
        print_json({"central": central.to_dict(), "guideline_percent": str(p.neighbour_share_guideline),
                    "guideline_is_blocking": False, "neighbours": [n.to_dict() for n in rows]})
        return
    t = table(f"{central.name} の近隣市町村の指標", "団体", "隣接", "庁舎間距離(km)", "人口(R2国調)", "通勤通学割合", "10%目安", "圏域", "備考")
    for n in rows:
        share = "不明" if n.share_percent is None else f"{n.share_percent}%（{n.commuting.census_year if n.commuting else ''}）"
        guide = {True: "以上", False: "未満", None: "不明"}[n.meets_guideline]
        t.add_row(f"{n.body.name}（{n.body.code}）", {True: "隣接", False: "非隣接", None: "不明"}[n.adjacent],
                  "不明" if n.distance_km is None else f"{n.distance_km:.1f}",
                  "不明" if n.population is None else f"{n.population:,}", share, guide,
                  "・".join(n.regions) or "—", " ".join(n.notes) or "—")
    console.print(t)
    console.print("通勤通学10%は判断の目安の一つで、要件ではありません（要綱）。隣接は国土数値情報（行政区域データ）（国土交通省）を加工して作成。")


@app.command("import-census")
@friendly_errors
def import_census_cmd(
    file: Path = typer.Argument(..., help="e-Stat からダウンロードした国勢調査の CSV（CP932）"),
    kind: str = typer.Option(None, "--kind", help="daytime（昼夜間人口）/ commuting（従業地・通学地 OD）。省略時は見出しから判別"),
    year: int = typer.Option(None, "--year", help="国勢調査の年（表題から読めないとき）"),
    user: str = typer.Option("cli", help="監査ログに記録する利用者名"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """国勢調査の表（昼夜間人口・従業地通学地）を取り込む。取り込んだ数値は同梱の数値より優先される"""
    from kouiki.formation.estat import import_census
    from kouiki.store import session
    from kouiki.store.formation import save_import

    if kind not in (None, "daytime", "commuting"):
        raise KouikiError(f"--kind は daytime か commuting です（指定: {kind}）")
    result = import_census(file, kind, year)  # type: ignore[arg-type]
    with session() as s:
        n = save_import(s, result, user)
    if as_json:
        print_json({**result.summary(), "written": n})
        return
    label = {"daytime": "昼夜間人口", "commuting": "通勤通学（従業地・通学地）"}[result.kind]
    console.print(f"{file.name}: {label}（{result.census_year}年国勢調査）を {n} 件取り込みました。")
    if result.skipped:
        console.print(f"不明として扱ったセル・行: {len(result.skipped)} 件（--json で一覧）")


@app.command("procedure")
@friendly_errors
def procedure(
    region: str = typer.Argument(..., help="圏域名またはその一部（例: 弘前圏域）"),
    on: str = typer.Option(None, "--on", help="この日の状態（YYYY-MM-DD または 和暦; 既定: 今日）"),
    fiscal_year: str = typer.Option(None, "--fiscal-year", help="この年度の事業だけを表示（2025, R7 など）"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """形成手続の状態（中心市宣言 → 形成協定 → 共生ビジョン）と、ビジョンの3つの役割ごとの事業"""
    import datetime as dt

    from kouiki.formation.procedure import budget_lines, projects_by_role, review, states
    from kouiki.formation.regions_csv import parse_date
    from kouiki.reference.calendar import FiscalYear, wareki_date
    from kouiki.reference.municipalities import registry
    from kouiki.store import session
    from kouiki.store.regions import get_region

    with session() as s:
        r = get_region(s, region)
    try:
        day = parse_date(on) if on else dt.date.today()
    except ValueError as exc:
        raise KouikiError(f"--on: {exc}") from None
    fy = None if fiscal_year is None else FiscalYear.parse(fiscal_year).year
    st = states(r, day)
    issues = review(r, day)
    by_role = projects_by_role(r, fy)
    if as_json:
        print_json({"region": r.id, "name": r.name, "type": r.type.value, "on": day,
                    "declaration_date": r.declaration_date, "formation_policy": r.formation_policy,
                    "members": [m.to_dict() | {"name": registry().by_code(m.code).name} for m in st],
                    "visions": r.visions, "has_vision": {str(y): r.has_vision(y) for y in range(FiscalYear.of_date(day).year - 4, FiscalYear.of_date(day).year + 1)},
                    "projects_by_role": {k.value: [p.model_dump(mode="json") for p in v] for k, v in by_role.items()},
                    "budget_lines": budget_lines(r), "issues": [i.to_dict() for i in issues]})
        return
    t = table(f"{r.name} の形成手続（{wareki_date(day)} 時点）", "団体", "役割", "状態", "協定締結日", "議決（中心市/近隣）", "変更協定")
    for m in st:
        votes = " / ".join("不明" if d is None else wareki_date(d) for d in (m.central_vote_date, m.member_vote_date))
        t.add_row(registry().by_code(m.code).name, "中心市" if m.role == "central" else "近隣市町村",
                  m.step.label + ("（以降は日付不明）" if m.uncertain else ""),
                  "—" if m.role == "central" else ("不明" if m.agreement_date is None else wareki_date(m.agreement_date)),
                  "—" if m.role == "central" else votes, str(m.amendments))
    console.print(t)
    for role, projects in by_role.items():
        console.print(f"[bold]{role.value}[/]")
        if not projects:
            console.print("  （登録された事業なし）")
        for p in projects:
            digital = {True: "デジタル活用", False: "", None: "デジタル活用は不明"}[p.uses_digital]
            console.print(f"  ・{p.name}（{p.field or '分野不明'}）{digital}")
    for i in issues:
        console.print(f"{'エラー' if i.severity == 'error' else '注意'}: {i.message}{'（' + i.member + '）' if i.member else ''}")


@app.command("candidates")
@friendly_errors
def candidates(
    prefecture: str = typer.Option(None, "--prefecture", help="都道府県名またはコード（既定: 全国）"),
    only: str = typer.Option(None, "--only", help="eligible / unknown / ineligible で絞り込む"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """全国（または1都道府県）の市を中心市の要件で一括判定する"""
    from kouiki.formation.central import check_many
    from kouiki.reference.municipalities import registry

    census, recorded, _ = _census_and_regions()
    pool = [b for b in registry().municipalities() if b.kind.is_city]
    if prefecture:
        pref = registry().get(prefecture)
        pool = [b for b in pool if b.prefecture == pref.name]
    results = check_many(pool, census, _params(None), recorded_central=recorded)
    wanted = {"eligible": True, "unknown": None, "ineligible": False}
    if only is not None:
        if only not in wanted:
            raise KouikiError(f"--only は eligible / unknown / ineligible のいずれかです（指定: {only}）")
        results = [r for r in results if r.eligible is wanted[only]]
    counts = {k: sum(1 for r in results if r.eligible is v) for k, v in wanted.items()}
    if as_json:
        print_json({"counts": counts, "results": [
            {"code": r.bodies[0].code, "name": r.bodies[0].name, "prefecture": r.bodies[0].prefecture,
             "eligible": r.eligible, "criteria": {c.id: c.result for c in r.criteria}} for r in results]})
        return
    t = table(f"中心市の要件の一括判定（{prefecture or '全国'}・{len(results)}市）", "団体", "市", "人口", "昼夜間比率", "地域", "判定")
    for r in results:
        b = r.bodies[0]
        t.add_row(f"{b.prefecture}{b.name}", *(RESULT_JA[c.result] for c in r.criteria), ELIGIBLE_JA[r.eligible])
    console.print(t)
    console.print(f"要件を満たす {counts['eligible']}・判定できない {counts['unknown']}・満たさない {counts['ineligible']}"
                  "（昼夜間人口比率は e-Stat の表を取り込むと判定できます）")


@app.command("census")
@friendly_errors
def census_cmd(
    body: str = typer.Argument(..., help="団体コードまたは団体名"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """1団体について kouiki が持つ国勢調査の数値（昼夜間人口比率・通勤通学）と出典・年・取得元を表示する"""
    from kouiki.formation.census import census_title
    from kouiki.reference.municipalities import registry

    census, _, _ = _census_and_regions()
    m = registry().get(body)
    day = sorted((f for (c, _y), f in census.daytime.items() if c == m.code), key=lambda f: f.census_year)
    flows = sorted((f for (a, b, _y), f in census.commuting.items() if m.code in (a, b)),
                   key=lambda f: (f.census_year, f.from_code, f.to_code))
    if as_json:
        print_json({"municipality": m.to_dict(), "daytime": [f.to_dict() for f in day],
                    "commuting": [f.to_dict() for f in flows]})
        return
    t = table(f"{m.name} の昼夜間人口比率", "国勢調査", "比率(100人当たり)", "夜間人口", "昼間人口", "取得元", "出典")
    for f in day:
        t.add_row(census_title(f.census_year), "不明" if f.ratio_per_100 is None else str(f.ratio_per_100),
                  "不明" if f.night_population is None else f"{f.night_population:,}",
                  "不明" if f.daytime_population is None else f"{f.daytime_population:,}",
                  "同梱" if f.origin == "bundled" else "取込", f.source)
    console.print(t if day else f"{m.name} の昼夜間人口比率: 不明（同梱データになし）")
    t2 = table(f"{m.name} に関わる通勤通学", "国勢調査", "常住地", "従業地・通学地", "人数", "割合", "取得元", "出典")
    for g in flows:
        t2.add_row(census_title(g.census_year), registry().by_code(g.from_code).name, registry().by_code(g.to_code).name,
                   "不明" if g.commuters is None else f"{g.commuters:,}",
                   "不明" if g.share_percent is None else f"{g.share_percent}%",
                   "同梱" if g.origin == "bundled" else "取込", g.source)
    console.print(t2 if flows else f"{m.name} に関わる通勤通学の数値: なし")


@app.command("rules")
@friendly_errors
def rules(
    params: Path = typer.Option(None, "--params", help="パラメータファイル（既定: 利用者のファイルまたは同梱）"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力"),
) -> None:
    """中心市・近隣市町村の判定に使う基準値と出典（パラメータファイルの内容）を表示する"""
    p = _params(params)
    if as_json:
        print_json({"file": p.source, **p.raw})
        return
    console.print(f"パラメータ: {p.source}（版 {p.version}）", highlight=False)
    t = table("中心市の要件", "項目", "値", "確度", "出典")
    for key, label, value in (
        ("population_min", "人口（超）", f"{p.population_min:,}人"),
        ("population_target", "人口の目安（参考）", f"{p.population_target:,}人程度以上"),
        ("daytime_ratio_min", "昼夜間人口比率（以上）", str(p.daytime_ratio_min)),
        ("location", "三大都市圏の都府県（原則対象外）", "・".join(p.metro_prefectures)),
    ):
        rule = p.rule("central_city", key)
        t.add_row(label, value, str(rule.get("confidence", "")), p.cited(rule))
    exc = p.rule("central_city", "location")["exception"]
    t.add_row("都府県内の例外", f"{'・'.join(p.metro_core_kinds)}への通勤通学 {p.metro_commuting_share_max}% 未満",
              str(exc.get("confidence", "")), str(exc.get("note", "")))
    t.add_row("複眼型: 2市の合計人口（超）", f"{p.compound_population_min:,}人", "", p.cited(p.rule("central_city", "compound")))
    t.add_row("近隣市町村: 通勤通学割合の目安", f"{p.neighbour_share_guideline}%（要件ではない）", "",
              p.cited(p.rule("neighbours")))
    console.print(t)
