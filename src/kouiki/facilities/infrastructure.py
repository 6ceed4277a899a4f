"""更新費用 projection of infrastructure (インフラ資産) — the 総務省「公共施設等更新費用試算ソフト」 settings.

Buildings are :mod:`kouiki.facilities.renewal`; this module projects what a 公共施設等総合管理計画 adds for
道路, 橋梁, 上水道管 and 下水道管, by the rules in ``parameters/infrastructure.yaml``:

- ``area_per_year`` (道路): the whole quantity ÷ 耐用年数 is renewed every 年度: each 年度 costs
  数量 × 単価 ÷ 耐用年数, rounded once by the file's rule;
- ``by_year`` (橋梁, 上水道管, 下水道管): renewed 耐用年数 after the 整備年度 and again every 耐用年数; a row
  without 整備年度 is spread like a road (数量 ÷ 耐用年数 every 年度 — the ソフト's rule for bridges of unknown
  year, applied by kouiki to pipes too); a row already past its 耐用年数 at the start is renewed as
  積み残し evenly over the file's ``overdue.spread_years`` (kouiki's rule, flagged), then counts as renewed at
  the start.

単価 comes from the row (``unit_cost_yen``) or the file by 区分 (一般道路, 更生管 …). 上水道管 has no default:
the ソフト's table by 口径 was not found, so rows without a 単価 are excluded with the reason rather than
priced by a guess. Quantities are Decimal, money integer yen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from kouiki.facilities.params import RulesFile, horizon_years, parameter_set
from kouiki.reference import codes
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import Rounding, split_evenly
from kouiki.reference.parameters import FileHeader, ParameterSet
from kouiki.reference.textfile import read_user_yaml

KINDS = ("更新", "積み残し")
AREA_PER_YEAR = "area_per_year"
BY_YEAR = "by_year"


class InfrastructureError(KouikiError, ValueError):
    """An infrastructure parameter file or asset list that cannot be used."""


@dataclass(frozen=True)
class AssetRule:
    """How one kind of asset (道路, 橋梁 …) is renewed, with where each value comes from."""

    name: str
    unit: str  # ㎡ | m
    method: str  # area_per_year | by_year
    cycle_years: int
    unit_costs: dict[str, int]  # 円 per unit, by 区分
    default_class: str | None
    source: str
    confidence: dict[str, str]
    unit_cost_range: tuple[int, int] | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "unit": self.unit, "method": self.method, "cycle_years": self.cycle_years,
                "unit_costs_yen": self.unit_costs, "default_class": self.default_class, "source": self.source,
                "confidence": self.confidence,
                "unit_cost_range_yen": None if self.unit_cost_range is None else list(self.unit_cost_range),
                "note": self.note}


@dataclass(frozen=True)
class InfrastructureParameters(RulesFile):
    id: str
    title: str
    version: int
    citation: str
    rounding: Rounding
    assets: dict[str, AssetRule]
    overdue_spread_years: int
    overdue_confidence: str
    source_file: str

    @classmethod
    def load(cls, path: Path | str | None = None) -> InfrastructureParameters:
        if path is None:
            return _packaged()
        return cls.from_dict(read_user_yaml(path, InfrastructureError, "インフラ資産の更新費用パラメータ"), str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str) -> InfrastructureParameters:
        try:
            assets: dict[str, AssetRule] = {}
            for name, a in raw["assets"].items():
                method = str(a["method"])
                if method not in (AREA_PER_YEAR, BY_YEAR):
                    raise InfrastructureError(f"{source}: {name} の method が不明です: {method}（{AREA_PER_YEAR}, {BY_YEAR}）")
                cycle = int(a["cycle_years"])
                if cycle < 1:
                    raise InfrastructureError(f"{source}: {name} の耐用年数は1以上です")
                rng = a.get("unit_cost_range")
                assets[str(name)] = AssetRule(
                    name=str(name), unit=str(a["unit"]), method=method, cycle_years=cycle,
                    unit_costs={str(k): int(v) for k, v in (a.get("unit_costs") or {}).items()},
                    default_class=None if a.get("default_class") is None else str(a["default_class"]),
                    source=str(a.get("source", "")).strip(),
                    confidence={"cycle_years": str(a.get("cycle_confidence", "R")),
                                "unit_costs": str(a.get("unit_cost_confidence", "R"))},
                    unit_cost_range=None if not rng else (int(rng[0]), int(rng[1])),
                    note=None if a.get("note") is None else str(a["note"]),
                )
            overdue = raw.get("overdue") or {}
            spread = int(overdue.get("spread_years", 10))
            if spread < 1:
                raise InfrastructureError(f"{source}: overdue.spread_years は1以上です")
            return cls(
                id=str(raw["id"]), title=str(raw["title"]), version=int(raw.get("version", 1)),
                citation=str(raw.get("citation", "")).strip(),
                rounding=Rounding.by_id(str(raw.get("rounding", "yen_floor"))), assets=assets,
                overdue_spread_years=spread, overdue_confidence=str(overdue.get("confidence", "kouiki")),
                source_file=source,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InfrastructureError):
                raise
            raise InfrastructureError(f"{source}: インフラ資産の更新費用パラメータが不完全です: {exc!r}") from exc

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "version": self.version, "citation": self.citation,
                "rounding": self.rounding.rule.label, "file": self.source_file,
                "assets": {n: a.to_dict() for n, a in self.assets.items()},
                "overdue": {"spread_years": self.overdue_spread_years, "confidence": self.overdue_confidence}}


def _packaged() -> InfrastructureParameters:
    """The packaged rules (``parameters/infrastructure.yaml``) with the user's overlay."""
    return _from_set(parameter_set())


@cache
def _from_set(pset: ParameterSet[FileHeader]) -> InfrastructureParameters:
    return InfrastructureParameters.from_dict(pset.tree("infrastructure"), "kouiki/facilities/parameters/infrastructure.yaml")


@dataclass(frozen=True)
class InfrastructureAsset:
    """One row of the asset list: a quantity of one kind of asset of one body (e.g. 下水道管 1,200 m laid 1978)."""

    municipality_code: str
    asset: str  # 道路 | 橋梁 | 上水道管 | 下水道管 (a key of the parameter file)
    quantity: Decimal  # ㎡ or m, as the asset's unit
    asset_class: str | None = None  # 区分: 一般道路 / 自転車歩行者道, 管種 …
    built_year: int | None = None  # 整備年度 (西暦 start year); None = unknown
    unit_cost_yen: int | None = None  # 単価 of this row (円 per ㎡ or m); None = the file's
    name: str | None = None
    row: int | None = None  # line in the file it came from


@dataclass
class InfrastructureResult:
    years: list[int]
    total_yen: list[int]
    by_asset: dict[str, list[int]]
    by_municipality: dict[str, list[int]]
    by_kind: dict[str, list[int]]
    excluded: list[dict[str, Any]]
    parameters: InfrastructureParameters
    lines: list[dict[str, Any]] = field(default_factory=list)  # one per row: rule, 単価, yen in the horizon

    @property
    def total(self) -> int:
        return sum(self.total_yen)

    def to_dict(self) -> dict[str, Any]:
        n = len(self.years)
        return {"years": self.years, "total_yen": self.total_yen, "by_asset": self.by_asset,
                "by_municipality": self.by_municipality, "by_kind": self.by_kind, "excluded": self.excluded,
                "lines": self.lines,
                "summary": {"total_yen": self.total, "annual_average_yen": self.total // n if n else 0,
                            "rows_included": len(self.lines), "rows_excluded": len(self.excluded)},
                "parameters": self.parameters.to_dict()}


def _exclusion(a: InfrastructureAsset, rule: AssetRule | None, params: InfrastructureParameters) -> str | None:
    if rule is None:
        return f"種別「{a.asset}」はパラメータにありません（{', '.join(params.assets)}）"
    if a.quantity <= 0:
        return "数量が0以下です"
    if a.unit_cost_yen is None and (a.asset_class or rule.default_class) not in rule.unit_costs:
        if not rule.unit_costs:
            return f"{rule.name}の既定の単価がありません（口径別の単価は未確認）: 行に単価（円/{rule.unit}）を入力してください"
        return f"区分「{a.asset_class}」の単価がありません（{', '.join(rule.unit_costs)}、または行に単価を入力）"
    return None


def project_infrastructure(
    assets: list[InfrastructureAsset], start_year: int, years: int | None = None,
    parameters: InfrastructureParameters | None = None,
) -> InfrastructureResult:
    """The 更新費用 of ``assets`` over ``years`` 年度 from ``start_year`` (yen by 年度, asset, body and kind); ``years``
    None: the horizon of the parameters (``renewal.horizon_years``)."""
    params = parameters or InfrastructureParameters.load()
    if years is None:
        years = horizon_years()
    if years < 1:
        raise InfrastructureError("試算期間（年数）は1以上です")
    end = start_year + years  # exclusive
    total = [0] * years
    by_asset: dict[str, list[int]] = {}
    by_muni: dict[str, list[int]] = {}
    by_kind = {k: [0] * years for k in KINDS}
    excluded: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    rounding = params.rounding

    for a in assets:
        rule = params.assets.get(a.asset)
        reason = _exclusion(a, rule, params)
        if reason is not None or rule is None:
            excluded.append({"row": a.row, "municipality_code": a.municipality_code, "asset": a.asset,
                             "name": a.name, "reason": reason})
            continue
        cls_ = a.asset_class or rule.default_class
        unit_cost = a.unit_cost_yen if a.unit_cost_yen is not None else rule.unit_costs[str(cls_)]
        row = [0] * years
        kinds = {k: [0] * years for k in KINDS}
        if rule.method == AREA_PER_YEAR or a.built_year is None:
            how = f"{a.quantity}{rule.unit} × {unit_cost:,}円 ÷ {rule.cycle_years}年 を毎年度"
            per_year = rounding.apply(a.quantity * unit_cost / rule.cycle_years)
            for i in range(years):
                kinds["更新"][i] = per_year
        else:
            whole = rounding.apply(a.quantity * unit_cost)
            due = a.built_year + rule.cycle_years
            how = f"{a.quantity}{rule.unit} × {unit_cost:,}円 を整備年度 {a.built_year} + {rule.cycle_years}年ごと"
            if due < start_year:  # past its life at the start: 積み残し, then renewed as of the start
                for i, part in enumerate(split_evenly(whole, params.overdue_spread_years)):
                    if i < years:
                        kinds["積み残し"][i] += part
                how += f"（耐用年数超過: 積み残しを{params.overdue_spread_years}年度で均等）"
                due = start_year + rule.cycle_years
            while due < end:
                kinds["更新"][due - start_year] += whole
                due += rule.cycle_years
        for k, values in kinds.items():
            for i, v in enumerate(values):
                row[i] += v
                by_kind[k][i] += v
        ba = by_asset.setdefault(a.asset, [0] * years)
        bm = by_muni.setdefault(a.municipality_code, [0] * years)
        for i, v in enumerate(row):
            total[i] += v
            ba[i] += v
            bm[i] += v
        lines.append({"row": a.row, "municipality_code": a.municipality_code, "asset": a.asset,
                      "asset_class": cls_, "name": a.name, "quantity": str(a.quantity), "unit": rule.unit,
                      "built_year": a.built_year, "unit_cost_yen": unit_cost,
                      "unit_cost_from": "行の単価" if a.unit_cost_yen is not None else "パラメータ",
                      "rule": how, "in_horizon_yen": sum(row)})
    return InfrastructureResult(list(range(start_year, end)), total, by_asset, by_muni, by_kind, excluded, params,
                                lines)


# ---- reading the asset list -----------------------------------------------------------------------------

COLUMNS: dict[str, tuple[str, ...]] = {
    "municipality_code": ("団体コード", "地方公共団体コード", "コード"),
    "asset": ("種別", "資産種別", "インフラ種別"),
    "asset_class": ("区分", "管種", "道路種別"),
    "quantity": ("数量", "面積", "延長", "面積㎡", "延長m"),
    "built_year": ("整備年度", "布設年度", "建設年度", "架設年度"),
    "unit_cost_yen": ("単価", "更新単価", "単価円"),
    "name": ("名称", "路線名", "橋梁名"),
}
REQUIRED = ("municipality_code", "asset", "quantity")


def read_assets(path: Path, default_code: str | None = None) -> list[InfrastructureAsset]:
    """Read an asset list (CSV in any usual encoding, or XLSX). All-or-nothing: every bad cell is named
    (file, line, column) in one error, and nothing is returned."""
    from kouiki.facilities.importers.common import (
        ValueProblem,
        cell,
        match_columns,
        parse_date,
        parse_decimal,
        parse_int,
        read_table,
        text_or_none,
    )

    table = read_table(path)
    index, headers, _unmatched = match_columns(table.header, COLUMNS)
    missing = [COLUMNS[f][0] for f in REQUIRED if f not in index and not (f == "municipality_code" and default_code)]
    if missing:
        raise InfrastructureError(f"{path.name}: 必要な列がありません: {', '.join(missing)}（見出し: {', '.join(table.header)}）")
    problems: list[str] = []
    out: list[InfrastructureAsset] = []
    for line, cells in table.rows:
        def col(f: str) -> str:
            return headers.get(f, COLUMNS[f][0])

        try:
            raw_code = text_or_none(cell(cells, index.get("municipality_code"))) or default_code
            if raw_code is None:
                raise ValueProblem("団体コードがありません")
            try:
                code = codes.normalize(raw_code)
            except KouikiError as exc:
                raise ValueProblem(str(exc)) from None
            asset = text_or_none(cell(cells, index["asset"]))
            if asset is None:
                problems.append(f"{path.name} {line}行目 列「{col('asset')}」: 種別がありません")
                continue
            qty = parse_decimal(cell(cells, index["quantity"]), "数量")
            if qty is None:
                problems.append(f"{path.name} {line}行目 列「{col('quantity')}」: 数量がありません")
                continue
            built = parse_date(cell(cells, index.get("built_year")), "整備年度")
            unit = parse_int(cell(cells, index.get("unit_cost_yen")), "単価")
            out.append(InfrastructureAsset(
                municipality_code=code, asset=asset, quantity=qty,
                asset_class=text_or_none(cell(cells, index.get("asset_class"))),
                built_year=None if built is None else built.fiscal_year(), unit_cost_yen=unit,
                name=text_or_none(cell(cells, index.get("name"))), row=line))
        except ValueProblem as exc:
            problems.append(f"{path.name} {line}行目: {exc}")
    if problems:
        shown = problems[:20] + ([f"ほか {len(problems) - 20} 件"] if len(problems) > 20 else [])
        raise InfrastructureError("インフラ資産の一覧に誤りがあります（何も取り込んでいません）:\n" + "\n".join(shown))
    return out


UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


def read_assets_upload(data: bytes, filename: str, default_code: str | None = None) -> list[InfrastructureAsset]:
    """An uploaded asset list (web): read as :func:`read_assets`, errors naming the file as the user named it."""
    import tempfile

    name = Path(filename or "").name or "upload.csv"
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise InfrastructureError(f"{name}: CSV または Excel（.xlsx）のファイルを選んでください")
    with tempfile.TemporaryDirectory(prefix="kouiki-infra-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return read_assets(path, default_code)


TEMPLATE_HEADER = ("団体コード", "種別", "区分", "名称", "数量", "整備年度", "単価")
TEMPLATE_EXAMPLES = (  # 例: the kinds of rows a body lists (quantities are examples, not any body's figures)
    ("022021", "道路", "一般道路", "市道全体", "1500000", "", ""),
    ("022021", "道路", "自転車歩行者道", "市道の歩道（延長×1.5m）", "90000", "", ""),
    ("022021", "橋梁", "", "○○橋", "350", "昭和48年度", ""),
    ("022021", "上水道管", "配水管 φ150", "配水管（口径150mm）", "12000", "平成2年度", "97000"),
    ("022021", "下水道管", "塩ビ管", "汚水管", "8000", "平成7年度", ""),
)


def template_csv() -> str:
    """The input template: header and example rows (examples marked in the 名称 column's wording)."""
    lines = [",".join(TEMPLATE_HEADER)] + [",".join(r) for r in TEMPLATE_EXAMPLES]
    return "\r\n".join(lines) + "\r\n"
