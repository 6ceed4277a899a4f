"""Consolidation scenarios (再編シナリオ): the YAML format that people and the optimiser write.

A scenario names the inventory, the bodies, the horizon and a list of ``actions``:

* ``consolidate`` — ``sources`` (facility ids) merged into an existing ``target`` or a ``new_site`` (with floor
  area, cost, location), service from ``fiscal_year`` (供用開始年度 = 集約化等完了年度); optional demolition of
  the sources (``demolitions``: 年度, cost, land value), 円滑化 costs, national subsidy, 都市構造再編 support;
* ``close`` — facilities closed (供用廃止) from ``fiscal_year``;
* ``demolish`` — 除却 of facilities (年度, cost, land value);
* ``convert`` — 転用 to another 大分類 (年度, cost);
* ``mutual_use`` — 相互利用: residents of the listed bodies use the facilities as their own (access only).

Each action names its ``lead_body`` (builds, borrows and claims) and ``sharing`` — how the net cost after
support is shared (負担金: ``equal``/``population``/``usage``/``fixed``/``mix``) or ``own`` (each body finances
its own share). The JSON Schema is published as ``facilities/data/scenario.schema.json`` (:func:`json_schema`);
:func:`load` validates a file and reports errors in Japanese with the file and field path.
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from kouiki.facilities.model import MajorCategory
from kouiki.reference import codes as codesmod
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import MAX_YEN
from kouiki.reference.municipalities import LATEST_CENSUS_YEAR

SCHEMA_VERSION = 1


class ScenarioError(KouikiError, ValueError):
    """A scenario file that is malformed; the message names the file and the field path."""


def _code(v: Any) -> str:
    return codesmod.normalize(str(v))


def _fy(v: Any) -> int:
    return FiscalYear.parse(v).year


FY = Annotated[int, BeforeValidator(_fy), WithJsonSchema({
    "anyOf": [{"type": "integer"}, {"type": "string"}],
    "description": "年度: 西暦の開始年 (2028) または \"R10\" / \"令和10年度\"",
})]
Code = Annotated[str, BeforeValidator(_code), WithJsonSchema({
    "anyOf": [{"type": "string"}, {"type": "integer"}],
    "description": "全国地方公共団体コード（6桁または5桁）",
})]


def _sched(v: Any) -> Any:
    if v is None:
        return None
    out = {_fy(k): int(x) for k, x in dict(v).items()}
    if any(not 0 <= x <= MAX_YEN for x in out.values()):
        raise ValueError(f"年度別の事業費は 0〜{MAX_YEN:,} 円で指定してください")
    return out


Schedule = Annotated[dict[int, int] | None, BeforeValidator(_sched), WithJsonSchema({
    "anyOf": [{"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}, {"type": "null"}],
    "description": "年度 → 円",
})]


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BondTerms(_Base):
    """地方債の条件 (passed to the fiscal engine; defaults there when absent)."""

    term_years: int | None = Field(None, ge=1, le=40, description="償還年限（据置期間を含む）")
    grace_years: int | None = Field(None, ge=0, le=10, description="据置期間")
    interest_rate: Decimal | None = Field(None, ge=0, le=1, description="年利（例 0.012）")
    repayment: Literal["annuity", "equal_principal"] | None = Field(None, description="元利均等 / 元金均等")


class NewSite(_Base):
    """A new building (新築) that receives consolidated facilities."""

    id: str
    name: str
    municipality_code: Code = Field(description="所在団体（6桁または5桁コード）")
    lat: float = Field(ge=20, le=46)
    lon: float = Field(ge=122, le=154)
    floor_area_m2: Decimal = Field(gt=0, description="延床面積 ㎡")
    category: MajorCategory | None = Field(None, description="大分類（省略時は統合元の大分類）")
    subcategory: str | None = None
    annual_operating_cost_yen: int | None = Field(None, ge=0, le=MAX_YEN, description="年間運営費（不明なら省略）")


class Demolition(_Base):
    """除却 of one facility (after consolidation or alone)."""

    facility: str
    fiscal_year: FY
    cost_yen: int = Field(ge=0, le=MAX_YEN)
    land_value_yen: int = Field(0, ge=0, le=MAX_YEN, description="跡地の土地評価額（集約化後の除却では交付税措置の基礎から控除）")


class CostItem(_Base):
    """A cost in one 年度 (円滑化: 住民説明・移転・備品・交通支援 …)."""

    fiscal_year: FY
    cost_yen: int = Field(ge=0, le=MAX_YEN)
    what: str = ""
    municipality: Code | None = Field(None, description="負担する団体（省略時は lead_body）")


class Action(_Base):
    """One action of a scenario. Which fields apply depends on ``type`` (checked after parsing)."""

    id: str = Field(description="action の ID（省略時は種類と番号: close-1 …）")
    type: Literal["consolidate", "close", "demolish", "convert", "mutual_use"]
    label: str | None = None
    fiscal_year: FY = Field(description="実施年度: consolidate は供用開始年度（集約化等完了年度）、close は供用廃止年度")
    lead_body: Code | None = Field(
        None, description="事業主体（建設・起債・申請する団体）。consolidate では必須、その他は省略時に対象施設の所有団体"
    )
    sharing: str | dict[str, Any] | None = Field(
        None, description="実質負担の按分: equal/population/usage/fixed/mix/own（省略時 population）"
    )
    bodies: list[Code] | None = Field(None, description="参加団体（省略時は対象施設の所有団体 + lead_body）")
    # consolidate
    sources: list[str] = Field(default_factory=list, description="統合元の施設ID")
    target: str | None = Field(None, description="統合先の既存施設ID（新築なら new_site）")
    new_site: NewSite | None = None
    consolidation_type: Literal["new_building", "function_only"] | None = None
    construction_cost_yen: int = Field(0, ge=0, le=MAX_YEN, description="新築・改修の事業費（税込、円）")
    construction_schedule: Schedule = Field(
        None, description="年度別の事業費（省略時は供用開始前の年度に均等配分: parameters/evaluate.yaml）"
    )
    national_subsidy_rate: Decimal = Field(Decimal(0), ge=0, le=1, description="国庫補助率（都市構造再編以外）")
    urban_restructuring: bool = Field(False, description="都市構造再編集中支援事業（広域連携誘導施設）を活用")
    bond: BondTerms | None = None
    demolitions: list[Demolition] = Field(default_factory=list)
    smoothing_costs: list[CostItem] = Field(default_factory=list, description="円滑化経費（住民説明・移転・備品・交通支援）")
    public_enterprise: bool = False
    target_operating_cost_change_yen: int = Field(
        0, ge=-MAX_YEN, le=MAX_YEN, description="統合先（既存施設）の年間運営費の増減（供用開始年度から、円; 利用者増など）"
    )
    # close / demolish / convert / mutual_use
    facilities: list[str] = Field(default_factory=list)
    cost_yen: int = Field(0, ge=0, le=MAX_YEN, description="demolish / convert の事業費")
    land_value_yen: int = Field(0, ge=0, le=MAX_YEN)
    to_category: MajorCategory | None = None
    to_subcategory: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """``facility_id: X`` (one facility, as the optimiser writes) is ``facilities: [X]``."""
        if isinstance(data, dict) and "facility_id" in data:
            data = dict(data)
            fid = data.pop("facility_id")
            data["facilities"] = [*data.get("facilities", []), str(fid)]
        return data

    @property
    def lead(self) -> str:
        """The lead body (resolved by the evaluation when the file left it out)."""
        if self.lead_body is None:
            raise ScenarioError(f"action {self.id}: lead_body（事業主体）がありません")
        return self.lead_body

    @model_validator(mode="after")
    def _by_type(self) -> Action:
        t = self.type
        if t == "consolidate" and self.lead_body is None:
            raise ValueError("consolidate には lead_body（建設・起債・申請する団体）が必要です")
        if t == "consolidate":
            if not self.sources:
                raise ValueError("consolidate には sources（統合元の施設ID）が必要です")
            if (self.target is None) == (self.new_site is None):
                raise ValueError("consolidate には target（既存施設）か new_site（新築）のどちらか一方を指定してください")
            if self.target is not None and self.target in self.sources:
                raise ValueError(f"統合先 {self.target} が統合元にも含まれています")
            if self.construction_schedule is not None and sum(self.construction_schedule.values()) != self.construction_cost_yen:
                raise ValueError("construction_schedule の合計が construction_cost_yen と一致しません")
        elif not self.facilities:
            raise ValueError(f"{t} には facilities（対象施設ID）が必要です")
        if t == "convert" and self.to_category is None:
            raise ValueError("convert には to_category（転用後の大分類）が必要です")
        return self

    def closed_ids(self) -> list[str]:
        """Facilities whose service ends with this action (統合元, 廃止, 除却)."""
        if self.type == "consolidate":
            return list(self.sources)
        if self.type in ("close", "demolish"):
            return list(self.facilities)
        return []


class DemandSpec(_Base):
    source: str = Field("approximate", description="approximate | e-Stat メッシュ txt | 需要点CSV（id,lat,lon,weight）")
    census_year: int = LATEST_CENSUS_YEAR
    mesh_column: str | None = None
    projection: str | None = Field(None, description="社人研 市区町村別将来推計人口（CSV/XLSX）")
    projection_year: int | None = None


class TravelSpec(_Base):
    mode: str | None = Field(None, description="car / walk / bus（parameters/travel.yaml）")
    circuity: Decimal | None = None
    speed_kmh: Decimal | None = None
    matrix: str | None = Field(None, description="既存の所要時間行列（長形式 CSV）")
    road_graph: str | None = Field(None, description="道路ネットワーク（.graphml / .gpkg / .osm.pbf）")
    threshold_minutes: Decimal | None = None


class Scenario(_Base):
    """A consolidation scenario (YAML). Paths are relative to the scenario file."""

    schema_version: Literal[1] = 1
    name: str
    description: str | None = None
    inventory: str = Field(description="施設台帳のパス（kouiki テンプレート等）または demo:<地域ID>")
    bodies: list[Code] | None = Field(None, description="対象団体（省略時は台帳の全団体）")
    start_fiscal_year: FY = 2025
    horizon_years: int = Field(default_factory=lambda: _default_horizon(), ge=1, le=100)  # renewal.horizon_years
    discount_rate: Decimal | None = Field(None, ge=0, le=1, description="割引率（省略時 parameters/evaluate.yaml）")
    categories: list[MajorCategory] | None = Field(None, description="アクセスを評価する大分類（省略時は対象施設の大分類）")
    subcategories: list[str] | None = Field(None, description="中分類ごとのアクセスも評価する（例: 文化施設）")
    access_scope: Literal["region", "own_body"] = Field(
        "region", description="region: どの団体の施設も使える前提 / own_body: 現状は自団体の施設のみ、"
        "シナリオ後は相互利用（mutual_use）と集約先を参加団体が使える"
    )
    operating_costs_yen: dict[str, Annotated[int, Field(ge=0, le=MAX_YEN)]] | None = Field(
        None, description="台帳にない年間運営費をシナリオで与える（施設ID: 円）。結果には『シナリオで指定』と明記"
    )
    demand: DemandSpec = Field(default_factory=lambda: DemandSpec())
    travel: TravelSpec = Field(default_factory=lambda: TravelSpec())
    actions: list[Action] = Field(default_factory=list)
    council: dict[str, Any] | None = Field(None, description="広域的な議論の場（council.py）")
    source: dict[str, Any] | None = Field(None, description="シナリオの由来（例: 最適化の model・目的関数・gap）。評価には使わず結果に写す")
    fees: list[dict[str, Any]] = Field(default_factory=list, description="使用料の統一（fees.py）")


    @model_validator(mode="before")
    @classmethod
    def _ids(cls, data: Any) -> Any:
        """Actions without an ``id`` get ``<type>-<n>`` (n counts from 1 in file order)."""
        if isinstance(data, dict) and isinstance(data.get("actions"), list):
            actions = []
            for i, a in enumerate(data["actions"]):
                if isinstance(a, dict) and "id" not in a:
                    a = {**a, "id": f"{a.get('type', 'action')}-{i + 1}"}
                actions.append(a)
            data = {**data, "actions": actions}
        return data

    @model_validator(mode="after")
    def _unique(self) -> Scenario:
        ids = [a.id for a in self.actions]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"action の id が重複しています: {', '.join(dup)}")
        closed: dict[str, str] = {}
        for a in self.actions:
            for f in a.closed_ids():
                if f in closed and not (a.type == "demolish" and closed[f] != "demolish"):
                    raise ValueError(f"施設 {f} が複数の action（{closed[f]} と {a.id}）で廃止されています")
                closed.setdefault(f, a.id)
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.start_fiscal_year, self.start_fiscal_year + self.horizon_years))


def _default_horizon() -> int:
    from kouiki.facilities.params import horizon_years

    return horizon_years()


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format (also shipped as ``facilities/data/scenario.schema.json``)."""
    schema = Scenario.model_json_schema()
    schema["properties"]["horizon_years"]["default"] = _default_horizon()  # the parameter (a factory has no default)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://kouiki.invalid/schemas/facilities-scenario-1.json"
    return schema


def published_schema() -> dict[str, Any]:
    text = resources.files("kouiki.facilities").joinpath("data/scenario.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-") or part in {"str", "dict[str,any]", "int", "none"}:
            continue
        else:
            out += ("." if out else "") + part
    return out or "(全体)"


_MESSAGES = {
    "missing": "必須項目がありません",
    "extra_forbidden": "未知の項目です（綴りを確認してください）",
    "int_parsing": "整数ではありません",
    "decimal_parsing": "数値ではありません",
    "greater_than_equal": "値が小さすぎます",
    "less_than_equal": "値が大きすぎます",
    "greater_than": "値が小さすぎます",
    "literal_error": "許されない値です",
    "enum": "許されない値です",
}


def parse(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate a parsed YAML/JSON object; errors name the source and the field path in Japanese."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: シナリオはマッピング（キー: 値）で書いてください")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors()[:10]:
            msg = _MESSAGES.get(err["type"], "")
            detail = str(err.get("msg", ""))
            if detail.startswith("Value error, "):
                detail = detail[len("Value error, ") :]
            lines.append(f"{_location(tuple(err['loc']))}: {msg + '（' + detail + '）' if msg else detail} 入力={err.get('input')!r}"[:300])
        raise ScenarioError(f"{source}: シナリオの内容に誤りがあります: " + " / ".join(lines)) from None
    except KouikiError as exc:
        raise ScenarioError(f"{source}: {exc}") from None


def load(path: Path) -> Scenario:
    """Read and validate a scenario YAML (or JSON) file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: シナリオは UTF-8 で保存してください") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" {mark.line + 1}行目" if mark is not None else ""
        raise ScenarioError(f"{path}{where}: YAML の書式が正しくありません: {getattr(exc, 'problem', exc)}") from None
    return parse(data, str(path))


def dump(scenario: Scenario) -> str:
    """YAML text of a scenario (what the optimiser writes)."""
    data = scenario.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data = {"schema_version": SCHEMA_VERSION, **data}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
