"""`kouiki regions …`: the regions registry (定住自立圏 / 連携中枢都市圏) kept in the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kouiki.cli.common import Notes, console, friendly_errors, print_json, table

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) loads inside each command
    from kouiki.reference.regions import Region

app = typer.Typer(help="圏域（定住自立圏・連携中枢都市圏）の登録簿", no_args_is_help=True)


def _date(d: object) -> str:
    from kouiki.reference.calendar import wareki_date

    return "不明" if d is None else wareki_date(d)  # type: ignore[arg-type]


@app.command("list")
@friendly_errors
def list_(as_json: bool = typer.Option(False, "--json", help="JSONで出力")) -> None:
    """登録されている圏域の一覧"""
    from kouiki.store import session
    from kouiki.store.regions import list_regions

    with session() as s:
        regions = list_regions(s)
    if as_json:
        print_json([
            {"id": r.id, "name": r.name, "short_name": r.short_name, "framework": r.framework.value,
             "central": r.central, "members": len(r.members), "population_2020": r.population(2020)}
            for r in regions
        ])
        return
    t = table(f"圏域一覧（{len(regions)} 圏域）", "ID", "圏域名", "枠組み", "中心市", "構成団体数", "人口(R2国調)")
    for r in regions:
        pop = r.population(2020)
        t.add_row(r.id, r.name, r.framework.value, "・".join(b.name for b in r.central_bodies()),
                  str(len(r.members)), "不明" if pop is None else f"{pop:,}")
    console.print(t)


def render_region(r: Region) -> None:
    """Rich tables of one region (members, visions, formation claims)."""
    from kouiki.reference.calendar import FiscalYear
    from kouiki.reference.regions import ROLE_WORDS, Framework, Role, role_label

    words = ROLE_WORDS.get(r.framework.value, ROLE_WORDS[Framework.TEIJU.value])
    t = table(f"{r.name}（{r.framework.value}）", "役割", "団体コード", "団体名", "種別", f"{words['agreement']}の締結日",
              "人口(R2国調)", "人口(H27国調)")
    for m in r.members:
        b = m.municipality
        when = _date(m.agreement_date) if m.role is Role.NEIGHBOR else "—"
        if m.agreement_date is None and m.agreement_by is not None:  # a sourced upper bound (reference.regions.Member)
            when = f"不明（遅くとも{_date(m.agreement_by)}までに締結）"
        elif m.agreement_date is None and m.agreement_note:
            when = f"不明（{m.agreement_note}）"
        t.add_row(role_label(r.framework.value, m.role.value), b.code, b.name, b.kind.value, when,
                  "不明" if b.population_2020 is None else f"{b.population_2020:,}",
                  "不明" if b.population_2015 is None else f"{b.population_2015:,}")
    console.print(t)
    pop = r.population(2020)
    console.print(f"圏域人口（令和2年国勢調査）: {'不明' if pop is None else f'{pop:,} 人'}")
    console.print(f"{words['declaration'].removesuffix('日')}: {_date(r.declaration_date)}")
    for v in r.visions:
        period = ""
        if v.start_fiscal_year:
            end = FiscalYear(v.end_fiscal_year).wareki() if v.end_fiscal_year else "不明"
            period = f"（{FiscalYear(v.start_fiscal_year).wareki()}〜{end}）"
        console.print(f"共生ビジョン: {v.title} 策定 {_date(v.adopted)}{period}")
    for c in r.formation_claims:
        console.print(f"形成年度: {FiscalYear(c.fiscal_year).wareki()} — {c.basis}（出典: {c.source.title}）")
    for o in r.also_in:
        console.print(f"重複する枠組み: {o.name}（{o.framework.value}）")


@app.command("show")
@friendly_errors
def show(
    name: str = typer.Argument(..., help="圏域名またはその一部（例: 弘前圏域、まほろば）"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力（日付は YYYY-MM-DD）"),
) -> None:
    """1圏域の構成団体・協定日・ビジョンを表示する"""
    from kouiki.store import session
    from kouiki.store.regions import get_region

    with session() as s:
        region = get_region(s, name)
    if as_json:
        print_json(region.to_dict())
        return
    render_region(region)


@app.command("import")
@friendly_errors
def import_(
    file: Path = typer.Argument(..., help="regions: [...] 形式の YAML/JSON、または圏域CSV（docs/formation.md）"),
    user: str = typer.Option("cli", help="監査ログに記録する利用者名"),
) -> None:
    """圏域を YAML/JSON または CSV（1行1構成団体）から登録・更新する（全件検証してから一括で書き込む）"""
    from kouiki.reference.regions import RegionError, load_regions
    from kouiki.store import session
    from kouiki.store.regions import save_region

    if file.suffix.lower() == ".csv":
        from kouiki.formation.regions_csv import read_regions_csv
        from kouiki.reference.regions_import import is_mic_layout, read_mic_csv

        regions = read_mic_csv(file) if is_mic_layout(file) else read_regions_csv(file)
    else:
        from kouiki.reference.textfile import read_user_yaml

        data = read_user_yaml(file, RegionError, "圏域の定義")
        regions = load_regions(data if isinstance(data, dict) else {}, str(file))
    with session() as s:
        for r in regions:
            save_region(s, r, user=user, origin="imported")
    console.print(f"{len(regions)} 圏域を登録しました。")


@app.command("status")
@friendly_errors
def status(as_json: bool = typer.Option(False, "--json", help="JSONで出力")) -> None:
    """全国の定住自立圏の状況（宣言中心市・圏域・構成市町村の推移と KPI）と登録簿の集計"""
    import datetime as dt
    from dataclasses import asdict

    from kouiki.formation.status import national_series, registry_counts, registry_series
    from kouiki.store import session
    from kouiki.store.regions import list_regions

    with session() as s:
        regions = list_regions(s)
    nat = national_series()
    today = dt.date.today()
    from kouiki.reference.regions_status import registry_status, render_coverage

    gap = registry_status(regions)
    if as_json:
        print_json({"national": nat, "registry": registry_counts(regions, today),
                    "registry_series": registry_series(regions, today), "coverage": asdict(gap)})
        return
    kpi = nat["kpi"]
    t = table(f"定住自立圏の全国状況（KPI: {kpi['target_year']}年 {kpi['target_regions']}圏域）",
              "時点", "宣言中心市", "圏域", "構成市町村（延べ）", "確度", "出典")
    t.columns[0].no_wrap = True
    t.columns[-1].no_wrap = True
    for col in t.columns[1:4]:
        col.justify = "right"
    sources = Notes("出典")  # the sources follow the table, numbered (an 80-column terminal keeps the rows whole)
    for f in nat["series"]:
        def n(v: object) -> str:
            return "不明" if v is None else f"{v:,}" if isinstance(v, int) else str(v)
        t.add_row(_date(f["as_of"]), n(f["declared_central_cities"]), n(f["regions"]), n(f["member_municipalities"]),
                  {"confirmed": "確認済み", "weak": "弱い出典"}.get(str(f["confidence"]), str(f["confidence"])),
                  sources.ref((f["source"] or {}).get("title", "")) or "—")
    console.print(t)
    sources.print()
    if nat["latest"]:
        lt = nat["latest"]
        console.print(f"最新: {_date(lt['as_of'])} {lt['regions']}圏域 — KPI まで {lt['gap_to_kpi']}圏域（達成率 {lt['share_of_kpi_percent']}%）")
    series = registry_series(regions, today)
    if series:
        t2 = table("登録簿の推移（各年度末）", "時点", "宣言中心市", "形成済み圏域", "構成市町村（延べ）")
        for row in series:
            t2.add_row(_date(row["as_of"]), str(row["declared_central_cities"]), str(row["regions"]), str(row["member_slots"]))
        console.print(t2)
    rc = registry_counts(regions, today)
    console.print(
        f"登録簿（{rc['registered_regions']}圏域を登録）: 形成済み {rc['regions']}圏域・宣言中心市 {rc['declared_central_cities']}市・"
        f"構成市町村 {rc['member_municipalities']}（延べ {rc['member_slots']}）"
        f"{'・宣言日不明 ' + str(rc['declaration_date_unknown']) + '圏域' if rc['declaration_date_unknown'] else ''}。全国の一覧は同梱していないため、"
        "CSV を `kouiki regions import` で取り込むと集計に加わります。"
    )
    console.print(render_coverage(gap))
