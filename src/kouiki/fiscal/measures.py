"""The rules of every measure (措置). Values come from the parameter files; only the logic is here.

Each rule takes the validated :class:`~kouiki.fiscal.plan.Item` through the :class:`~kouiki.fiscal.engine.Ctx`
(already ``begin``-ed) and emits one or more lines. Ineligible items emit amount 0 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Any

from kouiki.fiscal.bonds import REPAYMENTS, BondTerms, allocate_rate, complete_terms, schedule
from kouiki.fiscal.eligibility import ASSUMED_TAG, DECISION_JA, Decision, Eligibility
from kouiki.fiscal.engine import Ctx, wareki, yen
from kouiki.fiscal.plan import CATEGORY_JA, CONDITIONS, CONDITIONS_JA, SECONDMENT_JA
from kouiki.reference.money import apply_rate
from kouiki.reference.municipalities import Kind
from kouiki.reference.regions import Role

SAT = "special_allocation_tax"
OAT = "ordinary_allocation_tax"
NOT_CASH = "普通交付税の基準財政需要額への算入（不交付団体には現金の交付なし）"

Rule = Callable[[Ctx], None]


def _it(c: Ctx) -> Any:
    assert c.item is not None
    return c.item


def _vision_gate(c: Ctx, kind: str, role: Role | None = None,
                 outside: Callable[[str, str | None], None] | None = None) -> bool:
    """Eligibility before amount (定住自立圏 measures): the registry decides; the plan may only narrow it.

    - registry ``no`` → 0 with its reason; ``yes`` → the plan's ``has_vision: false`` may still narrow it;
    - ``unknown`` → the plan's ``has_vision`` decides and the line carries a warning (a plan without it is
      refused before evaluation, see :func:`kouiki.fiscal.api.load_plan`).

    ``outside(reason, source)``: called instead of the 0 line when the body is outside the 定住自立圏 measure
    (registry ``no`` or the plan's ``has_vision: false``), for a measure that has a general form outside it
    (遠隔医療).
    """
    it = _it(c)
    hv = it.get("has_vision")
    if c.gate is None:  # no registry (a pure rule test): the plan's word only
        if hv is False:
            c.zero(kind, "共生ビジョンを策定していないため対象外（計画の欄「共生ビジョン策定済み」が「いいえ」）")
            return False
        return True
    e: Eligibility = c.gate(it.municipality, it.fiscal_year, role)
    c.eligibility = e.to_dict()
    if e.assumed and ASSUMED_TAG not in c.tags:
        c.tags.append(ASSUMED_TAG)
    c.step(f"資格（圏域の登録）: {DECISION_JA[e.decision]} — {e.reason}（出典: {e.source}）")
    for w in e.warnings:
        c.line_warn(w)
    if e.decision is Decision.NO:
        if outside is not None:
            outside(e.reason, e.source)
        else:
            c.zero(kind, e.reason, source=e.source)
        return False
    if hv is False:
        reason = "計画で共生ビジョンを策定していない（欄「共生ビジョン策定済み」が「いいえ」）としているため対象外"
        if outside is not None:
            outside(reason, None)
        else:
            c.zero(kind, reason)
        return False
    if e.decision is Decision.UNKNOWN:
        if hv is None:
            c.zero(kind, f"圏域の登録では判定できず（{e.reason}）、計画にも共生ビジョンの記載（has_vision）がないため算定しません")
            return False
        c.line_warn(f"圏域の登録では確認できません（{e.reason}）。計画の欄「共生ビジョン策定済み」が「はい」のため対象として計算しています（要確認）")
    return True


def _condition(c: Ctx, name: str, label: str, kind: str, base: int | None = None) -> bool:
    """A condition the plan states (a required field of the measure): false → 0 with the reason; absent → a
    warning on the line (computed as if met)."""
    from kouiki.fiscal.template import column_label  # the field's Japanese name (template row 2)

    v = _it(c).get(name)
    if v is False:
        c.zero(kind, f"要件「{label}」を満たさないため対象外（計画の欄「{column_label(name)}」が「いいえ」）", base=base)
        return False
    if v is None:
        c.line_warn(f"要件「{label}」の記載（計画の欄「{column_label(name)}」）がありません。満たすものとして計算しています（要確認）")
    else:
        c.step(f"要件「{label}」: 満たす（計画の記載）")
    return True


def _gate(c: Ctx, prefix: str, kind: str) -> bool:
    ok, reason = c.in_force(prefix)
    if not ok:
        c.zero(kind, reason or "対象外")
    return ok


def _fsi_warning(c: Ctx) -> None:
    fsi = _it(c).get("fiscal_strength_index")
    if fsi is not None and fsi > 1:
        c.warn(f"財政力指数 {fsi} > 1: 不交付団体は普通交付税の算入額が現金で交付されません（基準財政需要額への算入のみ）")


# ---- 包括的財政措置 ---------------------------------------------------------------------------------


def adjusted_cap(base: int, adjustment: dict[str, Any], population: int | None, area: Decimal | None) -> int:
    """The 中心市 cap: the base amount adjusted for 人口・面積 by the configured method.

    ``flat`` (the packaged default, because the real formula is a GAP) returns the base. ``linear`` adds
    ``(population − reference) × yen_per_person + (area − reference) × yen_per_km2``, floored, never below 0.
    """
    if adjustment["method"] == "flat":
        return base
    if population is None or area is None:
        return base
    extra = (population - adjustment["reference_population"]) * adjustment["yen_per_person"] + (
        area - adjustment["reference_area_km2"]
    ) * adjustment["yen_per_km2"]
    return max(0, int((Decimal(base) + extra).to_integral_value(rounding=ROUND_FLOOR)))


def _central(c: Ctx, measure: str, needs_vision: bool) -> None:
    it = _it(c)
    if not _gate(c, measure, SAT) or (needs_vision and not _vision_gate(c, SAT, Role.CENTRAL)):
        return
    body = c.body(it.municipality)
    if not body.kind.is_city:
        c.zero(SAT, f"中心市は市に限られます（{body.full_name}は{body.kind.value}）")
        return
    if f"{measure}.eligible_kinds" in c.params:
        kinds = c.val(f"{measure}.eligible_kinds")
        if body.kind.value not in kinds:
            c.zero(SAT, f"連携中枢都市は{'・'.join(kinds)}に限られます（{body.full_name}は{body.kind.value}）")
            return
    base = c.val(f"{measure}.base_cap")
    adj = c.val(f"{measure}.cap_adjustment")
    pop = it.get("population", body.population_2020)
    area = it.get("area_km2", body.area_km2)
    cap = adjusted_cap(base, adj, pop, area)
    notes = []
    if adj["method"] == "flat":
        notes.append("上限額は基本額（人口・面積等による補正式が不明のため補正なし。概算）")
        c.step(f"人口 {pop if pop is not None else '不明'}人・面積 {area if area is not None else '不明'}km²: 補正なし（flat）")
    else:
        if pop is None or area is None:
            c.warn("人口または面積が不明のため、上限額は補正なしの基本額です")
        c.step(f"人口 {pop}人・面積 {area}km² による補正後の上限額 {yen(cap)}")
    c.capped(it.cost_yen, c.val(f"{measure}.rate"), cap, (measure, it.municipality, it.fiscal_year), notes=notes)


def comprehensive_central(c: Ctx) -> None:
    _central(c, "comprehensive_central", True)


def comprehensive_neighbor(c: Ctx) -> None:
    it = _it(c)
    m = "comprehensive_neighbor"
    if not _gate(c, m, SAT) or not _vision_gate(c, SAT, Role.NEIGHBOR):
        return
    c.capped(it.cost_yen, c.val(f"{m}.rate"), c.val(f"{m}.cap"), (m, it.municipality, it.fiscal_year))


def renkei_central(c: Ctx) -> None:
    _central(c, "renkei_central", False)


def renkei_member(c: Ctx) -> None:
    it = _it(c)
    m = "renkei_member"
    if not _gate(c, m, SAT):
        return
    c.capped(it.cost_yen, c.val(f"{m}.rate"), c.val(f"{m}.cap"), (m, it.municipality, it.fiscal_year))


def renkei_growth(c: Ctx) -> None:
    it = _it(c)
    if not _gate(c, "renkei_growth", "info"):
        return
    note = c.val("renkei_growth.example_note")
    notes = [note]
    if it.get("region_population") is not None:
        notes.append(f"圏域人口 {it.get('region_population'):,}人（算定式が不明のため額は算定しない）")
    c.line("info", 0, None, None, 0, notes)


# ---- other 定住自立圏 measures ------------------------------------------------------------------------


def external_experts(c: Ctx) -> None:
    it = _it(c)
    m = "external_experts"
    if not _gate(c, m, SAT) or not _vision_gate(c, SAT):
        return
    if not _condition(c, "expert_from_outside_region", "圏域外における専門性を有する人材の活用", SAT):
        return
    start = it.get("engagement_start_fiscal_year")
    n = it.fiscal_year - start + 1
    max_years = c.val(f"{m}.max_years")
    if n < 1:
        c.zero(SAT, f"外部人材の活用開始（{wareki(start)}）より前の年度です")
        return
    if n > max_years:
        c.zero(SAT, f"活用開始（{wareki(start)}）から{n}年度目のため対象外（最大{max_years}年間）")
        return
    if c.tracing:
        c.step(f"活用開始 {wareki(start)} から{n}年度目（最大{max_years}年間）")
    c.capped(it.cost_yen, c.val(f"{m}.rate"), c.val(f"{m}.cap"), (m, it.municipality, it.fiscal_year))


def hospital_clinic_cooperation(c: Ctx) -> None:
    it = _it(c)
    m = "hospital_clinic_cooperation"
    if not _gate(c, m, SAT) or not _vision_gate(c, SAT):
        return
    c.capped(it.cost_yen, c.val(f"{m}.rate"), c.val(f"{m}.cap"), (m, it.municipality, it.fiscal_year), base_label="負担金")


REMOTE_AREA_UNKNOWN = "へき地に該当するかは登録簿に無いため不明"


def remote_medicine(c: Ctx) -> None:
    """へき地における遠隔医療: a member of a 定住自立圏 (with its 共生ビジョン) at the expanded rate (``rate``, 0.8);
    any other body at the general へき地 rate (``general_rate``, 0.6) when it is a へき地. Whether it is one is
    not in the registry: the plan's ``remote_area`` says so; without it the line is 0 and 不明 (the eligibility
    ``unknown`` with the reason and a warning), never a silent 0."""
    it = _it(c)
    m = "remote_medicine"
    if not _gate(c, m, SAT):
        return
    outside: list[tuple[str, str | None]] = []
    if _vision_gate(c, SAT, outside=lambda reason, source: outside.append((reason, source))):
        c.capped(it.cost_yen, c.val(f"{m}.rate"), None, None)
        return
    if outside:
        _remote_medicine_general(c, m, *outside[0])


def _remote_medicine_general(c: Ctx, m: str, reason: str, source: str | None) -> None:
    """The general へき地 measure for a body outside the 定住自立圏 measure (``reason``: why it is outside)."""
    from kouiki.fiscal.template import column_label  # the field's Japanese name (template row 2)

    it = _it(c)
    field = f"計画の欄「{column_label('remote_area')}」"
    teiju = f"定住自立圏の拡充（措置率の引上げ）の対象外（{reason}）"
    ra = it.get("remote_area")
    base = dict(c.eligibility or {"regions": [], "warnings": [], "assumed": False})
    if ra is False:
        c.zero(SAT, f"{teiju}。へき地にも該当しない（{field}が「いいえ」）ため対象外", source=source)
        return
    if ra is None:
        text = f"{teiju}。一般のへき地遠隔医療の措置は、{REMOTE_AREA_UNKNOWN}（{field}に記載すると算定します）"
        c.eligibility = {**base, "decision": Decision.UNKNOWN.value, "reason": text,
                         "source": source or "計画の記載"}
        c.step(f"資格（へき地）: {DECISION_JA[Decision.UNKNOWN]} — {text}")
        c.line_warn(f"{REMOTE_AREA_UNKNOWN}: 一般のへき地遠隔医療の措置を算定していません（{field}に記載してください）")
        c.zero(SAT, text, source=source)
        return
    text = f"{teiju}。{field}によりへき地に該当: 一般のへき地遠隔医療の措置率で算定"
    c.eligibility = {**base, "decision": Decision.YES.value, "reason": text, "source": f"{field}（計画の記載）"}
    c.step(f"資格（へき地）: {DECISION_JA[Decision.YES]} — {text}")
    c.capped(it.cost_yen, c.val(f"{m}.general_rate"), None, None, notes=["へき地（計画の記載）: 一般の措置率"])


def furusato_loan(c: Ctx) -> None:
    it = _it(c)
    m = "furusato_loan"
    if not _gate(c, m, "loan") or not _vision_gate(c, "loan"):
        return
    ratio = c.val(f"{m}.lending_ratio")
    amount = apply_rate(it.cost_yen, ratio, c.rounding)
    c.step(f"対象事業費 {yen(it.cost_yen)} × 融資比率 {ratio} = {yen(amount)}")
    c.line("loan", it.cost_yen, ratio, None, amount, ["ふるさと融資（無利子融資）の融資額の目安。融資限度額は別に確認"])
    c.line("info", 0, None, None, 0, [c.val(f"{m}.lending_limit_note")])


# ---- bonds ---------------------------------------------------------------------------------------------


def _terms(c: Ctx) -> BondTerms:
    it = _it(c)
    fields = ("term_years", "grace_years", "interest_rate", "repayment", "first_redemption_fiscal_year")
    done = complete_terms({f: it.get(f) for f in fields}, it.fiscal_year, lambda name: c.val(f"bond_defaults.{name}"))
    terms = done.terms
    if done.defaults_used:
        labels = [
            "償還開始年度" if name == "first_redemption_offset" else c.params.params[f"bond_defaults.{name}"].label
            for name in done.defaults_used
        ]
        c.warn(f"償還条件の既定値を使用: {'、'.join(labels)}（計画に書くと正確になります）", "bond_defaults")
    if done.grace_adjusted:
        c.warn(f"据置期間を償還年限より短い {terms.grace_years} 年に調整しました", "grace_adjusted")
    if c.tracing:
        c.step(f"償還条件: {terms.describe()}")
    return terms


def _redemption_lines(
    c: Ctx,
    bond: int,
    terms: BondTerms,
    kind: str,
    rate: Decimal,
    interest_only: bool = False,
    share: Fraction = Fraction(1),
    share_note: str | None = None,
) -> int:
    """Emit one line per redemption 年度; returns the sum of their amounts."""
    sched = schedule(bond, terms)
    bases = [r.interest if interest_only else r.total for r in sched]
    if share != 1:
        bases = allocate_rate(bases, share)
    amounts = allocate_rate(bases, Fraction(rate))
    what = "利子" if interest_only else "元利償還金"
    for r, base, amount in zip(sched, bases, amounts, strict=True):
        if not c.keep_lines:
            c.line(kind, base, rate, None, amount, None, fiscal_year=r.fiscal_year)
            continue
        notes = [f"{wareki(r.fiscal_year)} {what} {yen(r.interest if interest_only else r.total)}（元金 {yen(r.principal)}・利子 {yen(r.interest)}・年度末残高 {yen(r.balance_after)}）"]
        if share_note:
            notes.append(share_note)
        if kind == OAT:
            notes.append(NOT_CASH)
        extra = [f"{wareki(r.fiscal_year)}: 基礎 {yen(base)} × {rate} = {yen(amount)}"] if c.tracing else None
        c.line(kind, base, rate, None, amount, notes, fiscal_year=r.fiscal_year, extra=extra)
    if c.tracing:
        c.step(f"{what}の算入額の合計 {yen(sum(amounts))}（端数は最終年度で調整）")
    return sum(amounts)


def regional_revitalization_bond(c: Ctx) -> None:
    it = _it(c)
    m = "regional_revitalization_bond"
    if not _gate(c, m, "bond") or not _vision_gate(c, "bond"):
        return
    fields = c.val(f"{m}.eligible_fields")
    fld = it.get("field")
    if fld not in fields:
        c.zero("bond", f"分野「{fld}」は対象外（定住自立圏では {'・'.join(fields)} の3分野に限る）")
        return
    rate = c.val(f"{m}.bond_rate")
    bond = apply_rate(it.cost_yen, rate, c.rounding)
    c.step(f"起債額 = 事業費 {yen(it.cost_yen)} × 充当率 {rate} = {yen(bond)}")
    c.line("bond", it.cost_yen, rate, None, bond, [f"分野: {fld}"])
    terms = _terms(c)
    _fsi_warning(c)
    _redemption_lines(c, bond, terms, OAT, c.val(f"{m}.allocation_tax_rate"))


def private_fund_bond(c: Ctx) -> None:
    it = _it(c)
    m = "private_fund_bond"
    if not _gate(c, m, "bond") or not _vision_gate(c, "bond"):
        return
    rate = c.val(f"{m}.bond_rate")
    bond = apply_rate(it.cost_yen, rate, c.rounding)
    c.step(f"起債額（一般単独事業債）= {yen(it.cost_yen)} × {rate} = {yen(bond)}")
    c.line("bond", it.cost_yen, rate, None, bond, ["ファンド形成に一般単独事業債を充当"])
    terms = _terms(c)
    if terms.interest_rate == 0:
        c.warn("利率0のため、償還利子に対する特別交付税は0円です")
    _redemption_lines(c, bond, terms, SAT, c.val(f"{m}.interest_rate_share"), interest_only=True)


def _allocation_rate(c: Ctx, prefix: str) -> Decimal:
    path = f"{prefix}.allocation_tax_rate"
    value = c.val(path)
    if c.params.params[path].unit != "rate_schedule":
        return Decimal(value)
    fsi = _it(c).get("fiscal_strength_index")
    if fsi is None:
        low = min(r for _, r in value)
        c.warn(f"{c.param_label(path)}（{path}）: 財政力指数が計画にないため、表の最も低い率 {low} を使用",
               parameter=path)
        return Decimal(low)
    for below, r in value:
        if below is None or fsi < below:
            c.step(f"財政力指数 {fsi} → 交付税措置率 {r}")
            return Decimal(r)
    raise AssertionError("schedule ends with fsi_below: null")


def facility_bond(c: Ctx) -> None:
    it = _it(c)
    cat = it.get("category")
    prefix = f"facility_bond.{cat}"
    c.step(f"区分: {CATEGORY_JA[cat]}（{cat}）")
    cost = it.cost_yen
    subsidy = 0
    subsidy_rate = None
    if it.get("national_subsidy_yen") is not None:
        subsidy = it.get("national_subsidy_yen")
    elif it.get("national_subsidy_rate") is not None:
        subsidy_rate = it.get("national_subsidy_rate")
        subsidy = apply_rate(cost, subsidy_rate, c.rounding)
    if subsidy:
        c.step(f"国庫補助 {yen(subsidy)}（計画の記載による）")
        c.line("national_subsidy", cost, subsidy_rate, None, subsidy, ["計画に記載された国庫補助（採否は各省の補助制度による）"])
    if not _gate(c, prefix, "bond"):
        return
    net = cost - subsidy
    if not _condition(c, "based_on_management_plan", "公共施設等総合管理計画等に基づいて実施するもの", "bond", base=net):
        return
    if cat in ("consolidation", "demolition_after_consolidation"):
        before, after = it.get("floor_area_before_m2"), it.get("floor_area_after_m2")
        if not after < before:
            c.zero("bond", f"延床面積が減少しないため対象外（集約化前 {before}㎡ → 後 {after}㎡）", base=net)
            return
        c.step(f"延床面積 {before}㎡ → {after}㎡（減少: 要件を満たす）")
    share = Fraction(1)
    share_note = None
    if cat == "demolition_after_consolidation":
        window = c.val(f"{prefix}.window_years")
        if it.get("consolidation_type") == "new_building":
            ref, what = it.get("service_start_fiscal_year"), "集約先施設の供用開始"
        else:  # the demolition window counts from closing, not from the decision (円滑化 counts from the decision)
            ref, what = it.get("service_end_fiscal_year"), "旧施設の供用廃止（機能統合）"
            if it.get("integration_decision_fiscal_year") is not None:
                c.step(f"機能統合の決定 {wareki(it.get('integration_decision_fiscal_year'))}（除却の期限は供用廃止から数える）")
        late = it.fiscal_year - ref
        if late > window:
            first_year = c.params.params[f"{prefix}.in_force"].values[0].year
            transitional = bool(it.get("consolidated_before_rule")) and c.val(f"{prefix}.transitional_rule")
            if transitional and ref < first_year:
                c.step(f"{what}（{wareki(ref)}）から{late}年度後だが、経過措置（R7改正前の集約化）により対象")
            else:
                c.zero(
                    "bond",
                    f"除却が{what}（{wareki(ref)}）から{late}年度後で、{window}年以内の要件を満たさないため対象外",
                    base=net,
                )
                return
        else:
            c.step(f"除却は{what}（{wareki(ref)}）から{max(late, 0)}年度後（{window}年以内）")
        if c.val(f"{prefix}.deduct_land_value"):
            land = it.get("land_value_yen", 0)
            eligible = max(0, net - land)
            share = Fraction(eligible, net) if net else Fraction(0)
            share_note = f"交付税措置の基礎 = 元利償還金 × (事業費 {yen(net)} − 土地価格相当分 {yen(land)}) ÷ 事業費 {yen(net)}"
            c.step(share_note)
    if f"{prefix}.allocation_base_share" in c.params:
        part = c.val(f"{prefix}.allocation_base_share")
        share = Fraction(part) / Fraction(c.val(f"{prefix}.bond_rate"))
        share_note = f"交付税措置の対象は事業費の{part}（起債額のうち {share} ）"
        c.step(share_note)
    bond_rate = c.val(f"{prefix}.bond_rate")
    bond = apply_rate(net, bond_rate, c.rounding)
    c.step(f"起債額 = (事業費 {yen(cost)} − 国庫補助 {yen(subsidy)}) × 充当率 {bond_rate} = {yen(bond)}")
    c.line("bond", net, bond_rate, None, bond, [f"公適債（{CATEGORY_JA[cat]}）"])
    tax_rate = _allocation_rate(c, prefix)
    terms = _terms(c)
    _fsi_warning(c)
    if tax_rate == 0:
        c.step("交付税措置なし")
        return
    allocated = _redemption_lines(c, bond, terms, OAT, tax_rate, share=share, share_note=share_note)
    if c.keep_lines and cost:
        support = subsidy + allocated
        pct = (Decimal(support) * 100 / cost).quantize(Decimal("0.1"))
        note = f"国庫補助と交付税算入の合計 {yen(support)}（事業費の{pct}%）"
        for ln in c.lines_by_item.get(it.index, []):
            if ln.kind == "bond":
                ln.notes.append(note)
        c.step(note)


# ---- 公共施設の集約化等 (R7 特交) and the MLIT subsidy ---------------------------------------------------


def _partners(c: Ctx, prefix: str) -> bool:
    it = _it(c)
    bodies = set(it.get("partner_bodies", ())) | {it.municipality}
    need = c.val(f"{prefix}.min_bodies")
    if len(bodies) < need:
        c.zero(SAT, f"複数団体（{need}団体以上）による集約化等ではないため対象外（参加団体 {len(bodies)}）")
        return False
    c.step(f"参加団体 {len(bodies)}（{need}団体以上: 要件を満たす）")
    return True


def consolidation_study(c: Ctx) -> None:
    it = _it(c)
    m = "consolidation_study"
    if not _gate(c, m, SAT) or not _partners(c, m):
        return
    per_year = c.val(f"{m}.cap_per_fiscal_year")
    pool = (m, it.municipality, it.fiscal_year) if per_year else (m, it.municipality)
    c.capped(it.cost_yen, c.val(f"{m}.rate"), c.val(f"{m}.cap"), pool)


def consolidation_smoothing(c: Ctx) -> None:
    it = _it(c)
    m = "consolidation_smoothing"
    if not _gate(c, m, SAT):
        return
    cat = it.get("facility_category")
    if cat in c.val(f"{m}.excluded_facility_categories"):
        c.zero(SAT, f"{cat}の集約化等は対象外（公営住宅・公営企業の施設を除く）")
        return
    if it.get("public_enterprise"):
        c.zero(SAT, "公営企業の施設の集約化等は対象外")
        return
    if not _partners(c, m):
        return
    start = it.get("completion_fiscal_year")
    if it.get("consolidation_type") == "function_only":
        # 「集約等完了年度: 新施設の供用が開始された年度（機能統合の場合は機能統合が決定した年度）」
        start = it.get("integration_decision_fiscal_year")
        c.step(f"機能統合: 措置期間は機能統合が決定した年度（{wareki(start)}）から数える")
    created = c.params.params[f"{m}.in_force"].values[0].year
    ref = max(start, created)  # the values in force when the window opened (or when the measure began)
    if start < created:
        c.warn(
            f"集約化等完了年度（{wareki(start)}）が措置の創設（{wareki(created)}）より前です。"
            "5年度間のうち創設後の年度分を対象と解釈しています（未確認）"
        )
        c.assume(f"{m}.window_years", "創設前に完了した集約化等の扱い（kouiki の解釈・未確認）")
    window = c.val(f"{m}.window_years", ref)
    last = start + window - 1
    if not start <= it.fiscal_year <= last:
        c.zero(SAT, f"措置期間（集約化等完了年度 {wareki(start)} から{window}年度間、{wareki(last)}まで）の外です")
        return
    c.step(f"措置期間 {wareki(start)}〜{wareki(last)} の{it.fiscal_year - start + 1}年度目")
    # The cap is per case per body over the whole window: its value is the one in force at completion.
    cap = c.val(f"{m}.cap", ref)
    c.capped(it.cost_yen, c.val(f"{m}.rate"), cap, (m, it.municipality, it.get("case")))


def urban_restructuring_subsidy(c: Ctx) -> None:
    it = _it(c)
    m = "urban_restructuring_subsidy"
    if not _gate(c, m, "national_subsidy"):
        return
    if not _condition(c, "wide_area_location_policy", "複数市町村による広域的な立地適正化の方針等", "national_subsidy"):
        return
    if not _condition(c, "joint_administration", "地方自治法に基づく事務の共同処理制度等の活用", "national_subsidy"):
        return
    n = it.get("partner_count")
    need = c.val(f"{m}.min_partners")
    if n < need:
        c.zero("national_subsidy", f"連携自治体数 {n} は{need}未満のため対象外（複数市町村による広域連携誘導施設）")
        return
    per = c.val(f"{m}.cap_per_partner")
    rate = c.val(f"{m}.rate")
    cost_cap = n * per
    c.step(f"交付対象事業費の上限 = 連携自治体数 {n} × {yen(per)} = {yen(cost_cap)}")
    eligible = min(it.cost_yen, cost_cap)
    notes = ["交付対象事業費の上限を適用"] if it.cost_yen > cost_cap else []
    amount = apply_rate(eligible, rate, c.rounding)
    c.step(f"補助額 = min(事業費 {yen(it.cost_yen)}, 上限 {yen(cost_cap)}) × 補助率 {rate} = {yen(amount)}")
    c.line("national_subsidy", it.cost_yen, rate, apply_rate(cost_cap, rate, c.rounding), amount, notes)


# ---- 人材確保 (R6) and 人材育成 -----------------------------------------------------------------------------


def _receiver_excluded(c: Ctx, code: str) -> bool:
    body = c.body(code)
    kinds = c.val("specialist.excluded_receiver_kinds")
    reason = None
    if body.kind.value in kinds:
        reason = f"受入れ団体の{body.full_name}は{body.kind.value}のため対象外（政令指定都市・中核市・県庁所在地を除く）"
    elif c.val("specialist.exclude_prefectural_capital") and body.is_prefectural_capital:
        reason = f"受入れ団体の{body.full_name}は県庁所在地のため対象外（政令指定都市・中核市・県庁所在地を除く）"
    elif body.kind is Kind.PREFECTURE:
        reason = f"受入れ団体の{body.full_name}は都道府県です（受け入れるのは市町村）"
    if reason:
        c.zero(SAT, reason)
        return True
    c.step(f"受入れ団体: {body.full_name}（{body.kind.value}）— 対象")
    return False


def specialist_recruitment(c: Ctx) -> None:
    it = _it(c)
    m = "specialist_recruitment"
    if not _gate(c, m, SAT) or _receiver_excluded(c, it.get("receiver")):
        return
    if c.val(f"{m}.first_year_only") and not it.get("first_year"):
        c.zero(SAT, "派遣先ポストの派遣初年度分のみが対象（初年度ではない）")
        return
    c.capped(it.cost_yen, c.val(f"{m}.rate"), c.val(f"{m}.cap"), (m, it.municipality, it.fiscal_year), base_label="募集経費")


def _per_person_cap(c: Ctx, m: str, persons: object) -> int:
    """「1人当たり」の上限 × persons. ``persons`` may be a share of one person (0.4): a person seconded to several
    receivers has one cap split over their items (kouiki.staffing does the split), 円未満切捨て so the parts
    never exceed the whole."""
    per: int = c.val(f"{m}.cap_per_person")
    n = Decimal(str(persons))
    cap = apply_rate(per, n)
    c.step(f"上限額 = {yen(per)} × {n}人 = {yen(cap)}")
    return cap


def _first_year_rule(c: Ctx, m: str, receiver: str) -> bool:
    """「連携協約に基づく派遣先ポストにつき、派遣初年度分のみ措置対象」 for the measures the parameter names:
    year 2+ of the same post gives 0 naming the rule."""
    it = _it(c)
    limited = c.val("specialist.first_year_only_measures")
    if m not in limited:
        return True
    start = it.get("dispatch_start_fiscal_year")
    if start is None and it.get("post") is not None:
        start = c.post_first_year.get((receiver, it.get("post")))
    if start is not None:
        first = it.fiscal_year <= start
        how = f"派遣初年度 {wareki(start)}"
    elif it.get("first_year") is not None:
        first = bool(it.get("first_year"))
        how = "計画の記載（first_year）"
    else:
        c.line_warn("派遣初年度か分かりません（dispatch_start_fiscal_year・post・first_year のいずれかを記入）。"
                    "初年度として計算しています（要確認）")
        return True
    if not first:
        c.zero(SAT, f"派遣先ポストにつき派遣初年度分のみ措置対象（specialist.first_year_only_measures）: "
               f"{wareki(it.fiscal_year)}は初年度ではない（{how}）")
        return False
    c.step(f"派遣初年度（{how}）: 「派遣初年度分のみ」の規則を満たす")
    return True


def specialist_salary(c: Ctx) -> None:
    it = _it(c)
    m = "specialist_salary"
    if not _gate(c, m, SAT) or _receiver_excluded(c, it.get("receiver")):
        return
    sec = it.get("secondment")
    if sec not in c.val(f"{m}.eligible_secondments"):
        c.zero(SAT, f"{SECONDMENT_JA[sec]}のため派遣元の人件費は対象外（受け入れる市町村の負担金が対象: specialist_contribution）")
        return
    if not _first_year_rule(c, m, it.get("receiver")):
        return
    contribution = it.get("contribution_yen", 0)
    base = max(0, it.cost_yen - contribution)
    c.step(f"人件費 {yen(it.cost_yen)} − 市町村からの負担金 {yen(contribution)} = {yen(base)}")
    c.capped(base, c.val(f"{m}.rate"), _per_person_cap(c, m, it.get("persons", 1)), None,
             base_label="人件費（負担金控除後）")


def specialist_contribution(c: Ctx) -> None:
    it = _it(c)
    m = "specialist_contribution"
    if not _gate(c, m, SAT) or _receiver_excluded(c, it.municipality):
        return
    sec = it.get("secondment")
    if sec not in c.val(f"{m}.eligible_secondments"):
        c.zero(SAT, f"{SECONDMENT_JA[sec]}のため受入れ市町村の負担金は対象外（自治法派遣の場合に限る。派遣元の人件費が対象: specialist_salary）")
        return
    if not _first_year_rule(c, m, it.municipality):
        return
    c.capped(it.cost_yen, c.val(f"{m}.rate"), _per_person_cap(c, m, it.get("persons", 1)), None, base_label="負担金")


def training(c: Ctx) -> None:
    it = _it(c)
    m = "training"
    if not _gate(c, m, SAT):
        return
    conds = it.get("conditions")
    missing = [CONDITIONS_JA[k] for k in CONDITIONS if not conds[k]]
    if missing:
        c.zero(SAT, f"要件を満たさないため対象外: {'、'.join(missing)}")
        return
    c.step("要件①②③をすべて満たす")
    body = c.body(it.municipality)
    rate = c.val(f"{m}.rate")
    if it.get("wide_area"):
        hosts = c.val(f"{m}.wide_area_host_kinds")
        if body.kind.value not in hosts:
            c.zero(SAT, f"広域研修の措置は「都道府県等」が市町村職員を含む研修を開催する場合（{body.full_name}は{body.kind.value}。"
                   f"対象とする種別: {'・'.join(hosts)}、training.wide_area_host_kinds・未確認）")
            return
        if not it.get("participants_meet_conditions"):
            c.zero(SAT, "広域研修では参加する市町村もそれぞれ要件①〜③を満たす必要があります")
            return
        c.capped(it.cost_yen, rate, None, None, notes=["都道府県等の広域研修（開催経費のみ対象）"], base_label="研修開催経費")
        return
    if body.kind is Kind.PREFECTURE:
        c.step("都道府県の自団体職員研修は普通交付税で措置（算定式は基準財政需要額の中で、額は算定しない）")
        c.line("info", it.cost_yen, None, None, 0, ["都道府県の自団体職員研修: 普通交付税で措置（額は算定しない）", NOT_CASH])
        return
    c.capped(it.cost_yen, rate, None, None, notes=["市町村の自団体職員研修（開催経費・受講経費）"])


# ---- info measures ----------------------------------------------------------------------------------------


def advisor_dispatch(c: Ctx) -> None:
    it = _it(c)
    m = "advisor_dispatch"
    if not _gate(c, m, "info"):
        return
    modes = c.val(f"{m}.modes")
    fields = c.val(f"{m}.fields")
    cost = c.val(f"{m}.cost_to_body_yen")
    notes = [
        f"支援分野: {'、'.join(fields)}",
        f"支援の方法: {'、'.join(modes)}",
        f"団体の負担: {yen(cost)}（謝金・旅費は地方公共団体金融機構が負担）",
    ]
    mode = it.get("mode")
    if mode is not None:
        ja = {"issue_advice": modes[0], "goal_support": modes[1], "seminar": modes[2]}[mode]
        notes.insert(0, f"選択した方法: {ja}")
    c.line("info", 0, None, None, 0, notes)


def ministry_priority_selection(c: Ctx) -> None:
    it = _it(c)
    if not _gate(c, "ministry_priority_selection", "info"):
        return
    notes = ["関係各省の事業の優先採択（交通・教育環境等）。金額の措置ではない"]
    if it.get("project"):
        notes.append(f"事業: {it.get('project')}")
    c.line("info", 0, None, None, 0, notes)


def remote_area_points(c: Ctx) -> None:
    it = _it(c)
    if not _gate(c, "remote_area_points", "info"):
        return
    notes = ["辺地度点数の積算に中心市までの距離を算定可能（辺地債の対象判定に影響）"]
    if it.get("distance_to_central_city_km") is not None:
        notes.append(f"中心市までの距離 {it.get('distance_to_central_city_km')}km（点数表は kouiki に未収録）")
    c.line("info", 0, None, None, 0, notes)


RULES: dict[str, Rule] = {
    "comprehensive_central": comprehensive_central,
    "comprehensive_neighbor": comprehensive_neighbor,
    "external_experts": external_experts,
    "regional_revitalization_bond": regional_revitalization_bond,
    "private_fund_bond": private_fund_bond,
    "furusato_loan": furusato_loan,
    "hospital_clinic_cooperation": hospital_clinic_cooperation,
    "remote_medicine": remote_medicine,
    "consolidation_study": consolidation_study,
    "consolidation_smoothing": consolidation_smoothing,
    "facility_bond": facility_bond,
    "urban_restructuring_subsidy": urban_restructuring_subsidy,
    "specialist_recruitment": specialist_recruitment,
    "specialist_salary": specialist_salary,
    "specialist_contribution": specialist_contribution,
    "training": training,
    "advisor_dispatch": advisor_dispatch,
    "ministry_priority_selection": ministry_priority_selection,
    "remote_area_points": remote_area_points,
    "renkei_central": renkei_central,
    "renkei_member": renkei_member,
    "renkei_growth": renkei_growth,
}

_ = REPAYMENTS
