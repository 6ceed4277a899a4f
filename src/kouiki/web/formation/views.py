"""Data of the 圏域形成 pages (candidates, rules, neighbours, procedure, national status, census import),
built once and shown as the HTML page, its JSON twin and the Excel/CSV download.

Thin on purpose: every judgement comes from ``kouiki.formation`` (rules in its parameter file); census
figures imported into the store overlay the bundled ones exactly as the CLI does. Nothing here compares a
figure with a threshold; it only adds Japanese labels and says why a figure is unknown.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kouiki.formation.census import CensusData, bundled_census, census_title
from kouiki.formation.central import CentralCityResult, check_many
from kouiki.formation.neighbours import NeighbourIndicator, neighbour_indicators
from kouiki.formation.params import FormationParams, confidence_words, load_params
from kouiki.formation.procedure import projects_by_role, review, states
from kouiki.formation.status import national_series, registry_counts, registry_series
from kouiki.formation.steps import STEP_LABELS, next_steps
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import Municipality, registry
from kouiki.reference.parameters import file_label
from kouiki.reference.regions import Region, RegionType, Role, role_label
from kouiki.reports.table import Column, ColumnKind, ReportTable
from kouiki.store.formation import count_figures, imported_figures
from kouiki.store.regions import list_regions, region_version
from kouiki.web.summary import fact_confidence, region_summary, wareki_date

RESULT_JA = {"pass": "適合", "fail": "不適合", "unknown": "不明"}
ELIGIBLE_JA: dict[bool | None, str] = {True: "要件を満たす", False: "要件を満たさない", None: "判定できない（不明な数値あり）"}
ONLY = {"eligible": True, "unknown": None, "ineligible": False}
ADJACENT_JA: dict[bool | None, str] = {True: "隣接", False: "非隣接", None: "不明"}
GUIDE_JA: dict[bool | None, str] = {True: "目安以上", False: "目安未満", None: "不明"}
STEP_JA = {"none": "未着手", "declared": "中心市宣言", "agreed": "形成協定", "vision": "共生ビジョン"}
CENSUS_SOURCE = "国勢調査（同梱の数値と、e-Stat から取り込んだ数値。取り込んだ数値が優先）"
BOUNDARY = "国土数値情報（行政区域データ）（国土交通省）を加工して作成"


# ----- shared inputs --------------------------------------------------------------------------------------

def formation_params() -> FormationParams:
    """The user's ``<KOUIKI_DATA_DIR>/parameters/formation.yaml`` when present, else the bundled file (as the CLI)."""
    from kouiki.settings import user_parameters_dir

    user = user_parameters_dir() / "formation.yaml"
    return load_params(user if user.exists() else None)


PACKAGED_RULES = "kouiki/formation/parameters/formation.yaml"  # FormationParams.source of the packaged rules


def rules_file(p: FormationParams) -> dict[str, Any]:
    """Which rules a result used, the way pages name them: ``label`` is the Japanese name of the packaged file (linked
    to its section ``measure`` of the parameters page) or, for a whole copy in the user's folder, says so; ``file``
    (for JSON) is the path."""
    label = file_label("formation") if p.source == PACKAGED_RULES else None
    return {"file": p.source, "version": p.version, "measure": "formation",
            "label": label or f"データフォルダの判定基準ファイル（{Path(p.source).name}）"}


def census_and_regions(s: Session) -> tuple[CensusData, set[str], list[Region]]:
    """Bundled census figures overlaid with the imported ones, recorded 中心市, registered regions."""
    regions = list_regions(s)
    return bundled_census().overlaid(imported_figures(s)), {c for r in regions for c in r.central}, regions


def _value_text(v: Any) -> str:
    if v is None:
        return "不明"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


# ----- 中心市候補 and 判定基準 ----------------------------------------------------------------------------

def _reason(c: dict[str, Any]) -> str:
    """Why a criterion came out as it did: the engine's notes, else the value against the threshold."""
    parts = [] if c["value"] is None else [f"{_value_text(c['value'])}（基準: {c['threshold']}）"]
    parts += [str(n) for n in c.get("notes") or []]
    return " ".join(parts) or "数値が不明"


def _confidence(tag: Any) -> dict[str, Any]:
    """A rule's confidence: the tag (for the JSON) and its Japanese word (for the page)."""
    return {"confidence": tag or None, "confidence_label": confidence_words(str(tag) if tag else None)}


def _candidate_row(r: CentralCityResult) -> dict[str, Any]:
    b = r.bodies[0]
    criteria = []
    for c in r.criteria:
        d = c.to_dict()
        criteria.append({"id": d["id"], "label": d["label"], "result": d["result"],
                         "result_label": RESULT_JA.get(d["result"], d["result"]), "blocking": d["blocking"],
                         "value": d["value"], "threshold": d["threshold"], "year": d["year"],
                         **_confidence(d["confidence"]), "reason": _reason(d)})
    return {"code": b.code, "name": b.name, "prefecture": b.prefecture, "eligible": r.eligible,
            "eligible_label": ELIGIBLE_JA[r.eligible], "criteria": criteria}


def _prefecture(prefecture: str | None) -> Municipality | None:
    if not prefecture:
        return None
    pref = registry().get(prefecture)
    if not pref.is_prefecture:
        raise KouikiError(f"都道府県: 「{prefecture}」は都道府県ではありません（例: 青森県）")
    return pref


def prefecture_names() -> list[str]:
    return [x.name for x in sorted(registry().prefectures(), key=lambda x: x.code)]


def candidates(s: Session, prefecture: str | None = None, only: str | None = None) -> dict[str, Any]:
    """中心市候補: every 市 of the country (or one 都道府県) checked by the formation engine."""
    if only not in (None, "", *ONLY):
        raise KouikiError(f"絞り込み: eligible / unknown / ineligible のいずれかです（指定: {only}）")
    pref = _prefecture(prefecture)
    census, recorded, _ = census_and_regions(s)
    pool = [b for b in registry().municipalities() if b.kind.is_city and (pref is None or b.prefecture == pref.name)]
    p = formation_params()
    results = check_many(pool, census, p, recorded_central=recorded)
    counts = {k: sum(1 for r in results if r.eligible is v) for k, v in ONLY.items()}
    if only:
        results = [r for r in results if r.eligible is ONLY[only]]
    rows = [_candidate_row(r) for r in results]
    labels = [c["label"] for c in rows[0]["criteria"]] if rows else []
    return {"prefecture": None if pref is None else pref.name, "only": only or None, "counts": counts,
            "total": len(pool), "shown": len(rows), "criteria_labels": labels, "results": rows,
            "prefectures": prefecture_names(),
            "parameters": rules_file(p), "census_source": CENSUS_SOURCE}


def rules() -> dict[str, Any]:
    """判定基準: the thresholds of the parameter file, each with its confidence and citations."""
    p = formation_params()
    exc = p.rule("central_city", "location")["exception"]
    rows = []
    for key, label, value in (
        ("must_be_city", "市であること", "市（町村・特別区は不可）"),
        ("population_min", "人口（超）", f"{p.population_min:,}人"),
        ("population_target", "人口の目安（参考）", f"{p.population_target:,}人程度以上"),
        ("daytime_ratio_min", "昼夜間人口比率（以上）", str(p.daytime_ratio_min)),
        ("location", "三大都市圏の都府県（原則対象外）", "・".join(p.metro_prefectures)),
    ):
        rule = p.rule("central_city", key)
        rows.append({"id": key, "group": "中心市の要件", "label": label, "value": value,
                     **_confidence(rule.get("confidence")), "citation": p.cited(rule),
                     "note": str(rule.get("note", "")), "blocking": rule.get("blocking", True) is not False})
    rows.append({"id": "location_exception", "group": "中心市の要件", "label": "都府県内の例外",
                 "value": f"{'・'.join(p.metro_core_kinds)}への通勤通学 {p.metro_commuting_share_max}% 未満",
                 **_confidence(exc.get("confidence")), "citation": p.cited(p.rule("central_city", "location")),
                 "note": str(exc.get("note", "")), "blocking": True})
    compound = p.rule("central_city", "compound")
    rows.append({"id": "compound", "group": "複眼型中心市", "label": "2市の合計人口（超）",
                 "value": f"{p.compound_population_min:,}人", **_confidence(compound.get("confidence")),
                 "citation": p.cited(compound), "note": "", "blocking": True})
    merged = p.rule("central_city", "single_merged")
    rows.append({"id": "single_merged", "group": "合併1市圏域", "label": "人口最大の旧市の昼夜間人口比率",
                 "value": str(p.daytime_ratio_min), **_confidence(merged.get("confidence")),
                 "citation": p.cited(merged), "note": str(merged.get("note", "")), "blocking": True})
    nb = p.rule("neighbours")
    rows.append({"id": "neighbours", "group": "近隣市町村", "label": "通勤通学割合の目安",
                 "value": f"{p.neighbour_share_guideline}%（要件ではない）", **_confidence(nb.get("confidence")),
                 "citation": p.cited(nb), "note": str(nb.get("note", "")), "blocking": False})
    return {**rules_file(p), "rules": rows,
            "citations": [dict(v, id=k) for k, v in p.raw.get("citations", {}).items()]}


# ----- 近隣市町村の指標 -----------------------------------------------------------------------------------

def _why_share_unknown(n: NeighbourIndicator) -> str | None:
    if n.share_percent is not None:
        return None
    if n.commuting is None:
        return "通勤通学の数値がありません（国勢調査の従業地・通学地の表を取り込むと分かります）"
    return None  # a figure without its base: the engine's note says so


def _neighbour_row(n: NeighbourIndicator, members: set[str]) -> dict[str, Any]:
    d = n.to_dict()
    d.update({
        "adjacent_label": ADJACENT_JA[n.adjacent],
        "adjacent_unknown_reason": None if n.adjacent is not None else "境界データ（N03）がない団体です",
        "share_label": "不明" if n.share_percent is None else f"{n.share_percent}%",
        "share_unknown_reason": _why_share_unknown(n),
        "census_year": None if n.commuting is None else n.commuting.census_year,
        "census_title": None if n.commuting is None else census_title(n.commuting.census_year),
        "guideline_label": GUIDE_JA[n.meets_guideline], "is_member": n.body.code in members,
        "listed_because_ja": "・".join({"adjacent": "隣接", "member": "構成団体", "commuting_figure": "通勤通学の数値",
                                        "within_radius": "距離圏内"}.get(x, x) for x in d["listed_because"]),
    })
    return d


def neighbours(s: Session, central: str, radius_km: float | None = None, region: Region | None = None) -> dict[str, Any]:
    """近隣市町村の指標 of a 中心市 (or a candidate before a region exists); members of ``region`` are marked."""
    if radius_km is not None and not 0 < radius_km <= 300:
        raise KouikiError(f"距離圏: 1〜300 km で指定してください（指定: {radius_km}）")
    body = registry().get(central)
    if not body.kind.is_city:
        raise KouikiError(f"団体: {body.name} は市ではありません（近隣市町村の指標は中心市・候補の市について求めます）")
    census, _, regions = census_and_regions(s)
    p = formation_params()
    rows = neighbour_indicators(body, census, p, regions=regions, radius_km=radius_km)
    members = set(region.member_codes()) if region is not None else set()
    return {"central": body.to_dict(), "region": None if region is None else region_summary(region),
            "radius_km": radius_km, "guideline_percent": str(p.neighbour_share_guideline),
            "guideline_is_blocking": False, "neighbours": [_neighbour_row(n, members) for n in rows],
            "boundary_source": BOUNDARY, "census_source": CENSUS_SOURCE,
            "parameters": rules_file(p),
            "cities": [] if region is None else [{"code": c, "name": registry().by_code(c).name} for c in region.central]}


# ----- 形成手続 ------------------------------------------------------------------------------------------

def _timeline(region: Region) -> list[dict[str, Any]]:
    """Every recorded step with its date (unknown dates last, never guessed)."""
    ev: list[dict[str, Any]] = []

    def add(date: dt.date | None, step: str, label: str, body: str | None = None, note: str | None = None) -> None:
        ev.append({"date": None if date is None else date.isoformat(), "date_wareki": wareki_date(date),
                   "step": step, "label": label, "body": body, "note": note})

    central = "・".join(registry().by_code(c).name for c in region.central)
    if region.type is RegionType.SINGLE_MERGED:
        pol = region.formation_policy
        add(None if pol is None else (pol.vote_date or pol.adopted), "policy", "形成方針", central,
            None if pol is not None else "形成方針が登録されていません")
    else:
        add(region.declaration_date, "declaration", "中心市宣言", central)
        for m in region.neighbors():
            name = registry().by_code(m.code).name
            votes = " / ".join(f"{k}: {wareki_date(v)}" for k, v in (("中心市議会", m.central_vote_date),
                                                                     ("近隣議会", m.member_vote_date)))
            add(m.agreement_date, "agreement", "形成協定", name, f"議決 {votes}" + (f"（{m.agreement_note}）" if m.agreement_note else ""))
            for a in m.amendments:
                add(a.date, "amendment", "変更協定", name, a.note)
            if m.left_date is not None:
                add(m.left_date, "left", "離脱", name)
    for v in region.visions:
        period = (f"{FiscalYear(v.start_fiscal_year).wareki() if v.start_fiscal_year else '開始不明'}〜"
                  f"{FiscalYear(v.end_fiscal_year).wareki() if v.end_fiscal_year else '終了不明'}")
        add(v.adopted, "vision", "共生ビジョン", central, f"{v.title}（{period}）")
    ev.sort(key=lambda e: (e["date"] is None, e["date"] or ""))
    return ev


def procedure(s: Session, region: Region, on: dt.date | None = None) -> dict[str, Any]:
    """形成手続: each member's step on a day, the timeline of recorded steps, warnings, projects by role."""
    day = on or dt.date.today()
    fy = FiscalYear.of_date(day)
    members = []
    for st in states(region, day):
        d = st.to_dict()
        d.update({"name": registry().by_code(st.code).name,
                  "role_label": role_label(region.framework.value, st.role),
                  "agreement_wareki": "—" if st.role == Role.CENTRAL.value else wareki_date(st.agreement_date),
                  "central_vote_wareki": wareki_date(st.central_vote_date),
                  "member_vote_wareki": wareki_date(st.member_vote_date),
                  "reached": [i <= st.step.value for i in range(1, 4)]})
        for k in ("declaration_date", "agreement_date", "central_vote_date", "member_vote_date"):
            d[k] = None if d[k] is None else d[k].isoformat()
        members.append(d)
    by_role = projects_by_role(region, fy.year)
    return {"region": region_summary(region), "version": region_version(s, region.id), "type": region.type.value,
            "on": day.isoformat(), "on_wareki": wareki_date(day), "fiscal_year": fy.year, "fiscal_year_wareki": fy.wareki(),
            "steps": [STEP_JA[k] for k in ("declared", "agreed", "vision")],
            "members": members, "timeline": _timeline(region),
            "has_vision": region.has_vision(fy.year),
            "issues": [i.to_dict() | {"member_name": None if i.member is None else registry().by_code(i.member).name}
                       for i in review(region, day, formation_params())],
            "projects_by_role": {k.value: [{"name": p.name, "field": p.field, "uses_digital": p.uses_digital}
                                           for p in v] for k, v in by_role.items()},
            "next_steps": next_steps(region), "step_labels": STEP_LABELS}


# ----- 全国の状況 ----------------------------------------------------------------------------------------

def status(s: Session, today: dt.date | None = None) -> dict[str, Any]:
    """全国の定住自立圏の状況: the dated national counts and KPI, and the same counts from the registry."""
    day = today or dt.date.today()
    nat = national_series()
    regions = list_regions(s)

    def dated(row: dict[str, Any]) -> dict[str, Any]:
        d = dict(row)
        as_of = d["as_of"]
        d["as_of"] = as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of)
        d["as_of_wareki"] = wareki_date(as_of) if isinstance(as_of, dt.date) else str(as_of)
        if "confidence" in d:
            d["confidence_label"] = fact_confidence(d["confidence"])
        return d

    nat["series"] = [dated(r) for r in nat["series"]]
    nat["renkei_chusu"] = [dated(r) for r in nat["renkei_chusu"]]
    if nat["latest"] is not None:
        nat["latest"] = dated(nat["latest"])
    return {"national": nat, "registry": dated(registry_counts(regions, day)),
            "registry_series": [dated(r) for r in registry_series(regions, day)]}


# ----- 国勢調査の取込 ------------------------------------------------------------------------------------

def census_overview(s: Session) -> dict[str, Any]:
    bundled = bundled_census()
    return {"imported": count_figures(s),
            "bundled": {"daytime": len(bundled.daytime), "commuting": len(bundled.commuting)}}


# ----- tables for Excel / CSV ----------------------------------------------------------------------------

def candidates_table(data: dict[str, Any]) -> ReportTable:
    labels = data["criteria_labels"]
    rows = [[r["code"], r["prefecture"], r["name"], *(f"{c['result_label']}: {c['reason']}" for c in r["criteria"]),
             r["eligible_label"]] for r in data["results"]]
    return ReportTable(
        title=f"中心市の要件の一括判定（{data['prefecture'] or '全国'}）", sheet_name="中心市候補",
        columns=[Column("団体コード"), Column("都道府県"), Column("団体名"),
                 *(Column(lb, width=30) for lb in labels), Column("判定", width=24)],
        rows=rows,
        source=f"kouiki 圏域形成（判定基準: {data['parameters']['label']} 版 {data['parameters']['version']}）; {CENSUS_SOURCE}",
        notes=[f"要件を満たす {data['counts']['eligible']}・判定できない {data['counts']['unknown']}・満たさない {data['counts']['ineligible']}",
               "「不明」は数値がないことを示し、推測はしていません（昼夜間人口比率は e-Stat の表を取り込むと判定できます）"],
    )


def rules_table(data: dict[str, Any]) -> ReportTable:
    return ReportTable(
        title="中心市・近隣市町村の判定基準", sheet_name="判定基準",
        columns=[Column("区分"), Column("項目", width=24), Column("値", width=30), Column("確度"), Column("出典", width=50),
                 Column("注記", width=40)],
        rows=[[r["group"], r["label"], r["value"], r["confidence"], r["citation"], r["note"]] for r in data["rules"]],
        source=f"定住自立圏構想推進要綱（パラメータ「{data['label']}」版 {data['version']}）",
    )


def neighbours_table(data: dict[str, Any]) -> ReportTable:
    rows = []
    for n in data["neighbours"]:
        rows.append([n["code"], n["name"], n["adjacent_label"],
                     None if n["distance_km"] is None else Decimal(str(n["distance_km"])),
                     n["population"], n["share_label"], n["census_title"] or "—", n["guideline_label"],
                     "○" if n["is_member"] else "", n["listed_because_ja"],
                     " ".join(x for x in [n["share_unknown_reason"], *n["notes"]] if x)])
    c = data["central"]
    return ReportTable(
        title=f"{c['name']} の近隣市町村の指標", sheet_name="近隣市町村",
        columns=[Column("団体コード"), Column("団体名"), Column("隣接"), Column("庁舎間距離（km）", ColumnKind.DECIMAL),
                 Column("人口（2020年）", ColumnKind.INT), Column("通勤通学割合"), Column("国勢調査"),
                 Column(f"{data['guideline_percent']}%目安"), Column("構成団体"), Column("一覧の理由"), Column("備考", width=40)],
        rows=rows, source=f"{BOUNDARY}; 庁舎位置（国土地理院）; {CENSUS_SOURCE}",
        notes=[f"通勤通学割合 {data['guideline_percent']}% は判断の目安の一つで、要件ではありません（定住自立圏構想推進要綱）"],
    )


def procedure_table(data: dict[str, Any]) -> ReportTable:
    rows = [[m["code"], m["name"], m["role_label"], m["step_label"], m["agreement_wareki"],
             m["central_vote_wareki"], m["member_vote_wareki"], m["amendments"]] for m in data["members"]]
    return ReportTable(
        title=f"{data['region']['name']} の形成手続（{data['on_wareki']} 時点）", sheet_name="形成手続",
        columns=[Column("団体コード"), Column("団体名"), Column("役割"), Column("状態", width=28), Column("協定締結日"),
                 Column("中心市議会の議決"), Column("近隣議会の議決"), Column("変更協定", ColumnKind.INT)],
        rows=rows, source="kouiki 圏域登録簿（協定・ビジョンの出典は圏域ごとに記録）",
        notes=[i["message"] for i in data["issues"]],
    )


def status_table(data: dict[str, Any]) -> ReportTable:
    nat = data["national"]
    rows = [[r["as_of_wareki"], r["declared_central_cities"], r["regions"], r["member_municipalities"],
             r["vision_cities"], fact_confidence(r.get("confidence")), r.get("note") or "", (r.get("source") or {}).get("title", "")]
            for r in nat["series"]]
    kpi = nat["kpi"]
    return ReportTable(
        title="全国の定住自立圏の状況", sheet_name="全国の状況",
        columns=[Column("時点"), Column("宣言中心市", ColumnKind.INT), Column("圏域", ColumnKind.INT),
                 Column("構成市町村", ColumnKind.INT), Column("ビジョン策定市", ColumnKind.INT), Column("確度"),
                 Column("注記", width=30), Column("出典", width=40)],
        rows=rows, source="総務省資料ほか（各行の出典列）",
        notes=[f"KPI: {kpi['target_year']}年に {kpi['target_regions']} 圏域"]
        + ([f"最新（{nat['latest']['as_of_wareki']}）: {nat['latest']['regions']} 圏域、KPI まで {nat['latest']['gap_to_kpi']} 圏域"]
           if nat["latest"] else []),
    )
