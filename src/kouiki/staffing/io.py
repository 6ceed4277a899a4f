"""Read a staffing case from YAML or XLSX.

Every message names the file, the record (YAML line / sheet row) and the field, in Japanese first.

YAML layout (see ``demo/aomori_hirosaki.yaml``)::

    title: …
    years: {from: R7, to: R9}          # or a list [2025, 2026]
    defaults: {secondment_type: agreement, contribution_rate: "0.5", agreement: K1}
    specialist_types: [{id: …, name: …, aliases: […]}]    # optional, extends the packaged list
    agreements: [{id, name, parties, sender, basic_policy, role_split, expertise, concluded_on, council_votes}]
    posts: [{id, employer, type, employment, salary_yen, recruiting_cost_yen, start_year, …}]
    secondments: [{post, receiver, share | days_per_week, from_year, to_year, type, contribution_yen | contribution_rate}]
    demand: [{body, type, fte | days_per_week, from_year, to_year}]

XLSX: sheets 設定 (項目/値), 協約, 議会議決, ポスト, 派遣, 需要 with one record per row; headers by name
(Japanese or the YAML keys; aliases below).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import yaml

from kouiki.reference import codes
from kouiki.reference.calendar import FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.money import to_decimal, to_yen
from kouiki.reference.textfile import FileEncodingError, decode_user_bytes, yaml_error_text
from kouiki.staffing.model import (
    Agreement,
    Demand,
    PlanDefaults,
    Post,
    Secondment,
    SecondmentType,
    SpecialistType,
    StaffingCase,
    StaffingInputError,
    body_label,
    builtin_types,
    parse_body,
    parse_bool,
    parse_employment,
    parse_secondment_type,
    rules,
    type_parser,
)

T = TypeVar("T")
Record = dict[str, Any]

# ---- YAML with line numbers ----------------------------------------------------------------

_LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping (for error messages)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_text(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        raise StaffingInputError(yaml_error_text(exc, source)) from None
    if data is None:
        raise StaffingInputError(f"{source}: 空のファイルです (empty file)")
    if not isinstance(data, dict):
        raise StaffingInputError(f"{source}: 先頭はマッピング（キー: 値）である必要があります")
    return data


def strip_lines(value: Any) -> Any:
    """Remove the line markers (for echoing input back as JSON)."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


# ---- field parsers ---------------------------------------------------------------------------


class _Located(StaffingInputError):
    """A StaffingInputError that already names file, record and field."""


class _Ctx:
    """Where a record came from: file + line/row + section; formats messages."""

    def __init__(self, source: str, section: str, index: int, line: int | None, row_word: str = "行目",
                 kind: str | None = None, lines: dict[str, int] | None = None):
        self.source = source
        self.section = section
        self.index = index
        self.line = line
        self.row_word = row_word
        self.kind = kind  # the section key (posts …): a row of a sheet names its column by the sheet's title
        self.lines = lines or {}  # field → its own row (the sheet 設定: one setting a row)

    @property
    def where(self) -> str:
        at = f" {self.line}{self.row_word}" if self.line is not None else ""
        return f"{self.source}{at}（{self.section} {self.index + 1}件目）"

    def error(self, field: str, message: str) -> StaffingInputError:
        where = self.where
        if field in self.lines:
            where = _Ctx(self.source, self.section, self.index, self.lines[field], self.row_word).where
        if self.kind is not None and "シート" in self.row_word:
            from kouiki.staffing.xlsx import column_title

            field = column_title(self.kind, field) or field
        return _Located(f"{where} 項目「{field}」: {message}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _get(rec: Record, ctx: _Ctx, name: str, parse: Callable[[Any], T], required: bool = True) -> T | None:
    value = rec.get(name)
    if _blank(value):
        if required:
            raise ctx.error(name, "必須項目が空です (required)")
        return None
    try:
        return parse(value)
    except _Located:
        raise
    except KouikiError as exc:
        raise ctx.error(name, str(exc)) from None
    except (ValueError, TypeError) as exc:
        raise ctx.error(name, f"値を解釈できません: {value!r} ({exc})") from None


def _req(rec: Record, ctx: _Ctx, name: str, parse: Callable[[Any], T]) -> T:
    value = _get(rec, ctx, name, parse, required=True)
    assert value is not None
    return value


def parse_year(value: Any) -> int:
    return FiscalYear.parse(value).year


def parse_yen(value: Any) -> int:
    if isinstance(value, float):
        if value != int(value):
            raise StaffingInputError(f"円単位の整数で指定してください: {value!r}")
        value = int(value)
    yen = to_yen(value)
    if yen < 0:
        raise StaffingInputError(f"金額は0以上です: {value!r}")
    return yen


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, float):  # Excel cells: the shortest repr is what the user typed
        value = repr(value)
    dec = to_decimal(value)
    if dec < 0:
        raise StaffingInputError(f"0以上の数値で指定してください: {value!r}")
    return dec


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise StaffingInputError(f"日付は 2025-04-01 の形で指定してください: {value!r}") from None


def parse_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [v for v in value if not _blank(v)]
    parts = re.split(r"[、,，;；\s]+", str(value).strip())
    return [p for p in parts if p]


def _share(rec: Record, ctx: _Ctx, share_key: str, days_key: str, one_person: bool = True) -> Decimal | None:
    """A share of a week as FTE, from ``share_key`` (FTE) or ``days_key`` (days a week).

    ``one_person``: the value is one person's time (a secondment), so at most a full week; a body's
    demand may need more than one person.
    """
    share = _get(rec, ctx, share_key, parse_decimal, required=False)
    days = _get(rec, ctx, days_key, parse_decimal, required=False)
    if share is not None and days is not None:
        raise ctx.error(share_key, f"「{share_key}」と「{days_key}」はどちらか一方を指定してください")
    if days is not None:
        per_week = Decimal(rules()["work_days_per_week"])
        if one_person and days > per_week:
            raise ctx.error(days_key, f"週{per_week}日を超えています: {days}")
        return days / per_week
    return share


# ---- records ---------------------------------------------------------------------------------


# Keys each record may have (a typo must not be ignored silently). Free comments: note/notes/memo/備考.
KEYS: dict[str, frozenset[str]] = {
    "top": frozenset({"title", "years", "defaults", "specialist_types", "agreements", "posts", "secondments", "demand"}),
    "defaults": frozenset({"secondment_type", "contribution_rate", "agreement"}),
    "specialist_types": frozenset({"id", "name", "aliases", "description", "source"}),
    "agreements": frozenset({"id", "name", "parties", "sender", "basic_policy", "role_split", "expertise",
                             "concluded_on", "council_votes", "memorandum"}),
    "posts": frozenset({"id", "name", "employer", "type", "employment", "fte", "salary_yen", "salary_by_year",
                        "recruiting_cost_yen", "recruiting_year", "start_year", "end_year",
                        "main_duty_municipal_support", "hired_as_specialist", "base", "agreement", "max_receivers"}),
    "secondments": frozenset({"post", "receiver", "share", "days_per_week", "from_year", "to_year", "type",
                              "agreement", "contribution_yen", "contribution_rate"}),
    "demand": frozenset({"body", "type", "fte", "days_per_week", "from_year", "to_year"}),
    "training_top": frozenset({"title", "years", "policies"}),
    "policies": frozenset({"body", "name", "new_policy", "adopted_on", "priority_issues", "programmes"}),
    "priority_issues": frozenset({"name", "in_medium_term_plan", "in_policy", "plan"}),
    "programmes": frozenset({"id", "name", "issue", "stated_in_policy", "purpose", "schedule", "target_staff",
                             "wide_area", "covers_municipalities", "municipal_targets", "participants", "joins",
                             "costs"}),
    "costs": frozenset({"fiscal_year", "hosting_cost_yen", "attendance_cost_yen"}),
}
_FREE_KEYS = frozenset({_LINE, "__row_word__", "__lines__", "note", "notes", "memo", "備考"})


def check_keys(rec: Record, kind: str, where: str) -> None:
    """Refuse keys a record of ``kind`` does not have, suggesting the nearest known one."""
    import difflib

    known = KEYS[kind]
    for key in rec:
        if key in known or key in _FREE_KEYS:
            continue
        near = difflib.get_close_matches(str(key), sorted(known), n=1)
        hint = f"（「{near[0]}」の誤りでは？）" if near else ""
        raise StaffingInputError(f"{where}: 項目「{key}」は使えません{hint}（使える項目: {', '.join(sorted(known))}）")


def _records(data: Any, source: str, section: str, kind: str | None = None) -> list[tuple[Record, _Ctx]]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise StaffingInputError(f"{source}: 「{section}」はリストで指定してください")
    out = []
    for i, rec in enumerate(data):
        line = rec.get(_LINE) if isinstance(rec, dict) else None
        ctx = _Ctx(source, section, i, line, rec.get("__row_word__", "行目") if isinstance(rec, dict) else "行目", kind)
        if not isinstance(rec, dict):
            raise StaffingInputError(f"{ctx.where}: キーと値の組で指定してください")
        if kind is not None:
            check_keys(rec, kind, ctx.where)
        out.append((rec, ctx))
    return out


def _unique(ids: Iterable[tuple[str, _Ctx]], what: str) -> None:
    seen: set[str] = set()
    for i, ctx in ids:
        if i in seen:
            raise ctx.error("id", f"{what}ID {i!r} が重複しています")
        seen.add(i)


_REGION_PREFIX = re.compile(r"^(?:圏域|region)\s*[:：]\s*(?P<name>.+)$", re.IGNORECASE)


def _party(value: Any, ctx: _Ctx) -> list[str]:
    """A party of a 連携協約: one body, or ``圏域:弘前圏域`` = every current member of a bundled region."""
    m = _REGION_PREFIX.match(unicodedata.normalize("NFKC", str(value)).strip())
    if m is None:
        return [_req({"parties": value}, ctx, "parties", parse_body)]
    from kouiki.reference.regions import find_region

    try:
        return list(find_region(m.group("name").strip()).member_codes())
    except KouikiError as exc:
        raise ctx.error("parties", str(exc)) from None


def case_from_dict(data: dict[str, Any], source: str = "<input>") -> StaffingCase:
    """Parse and cross-check a staffing case (a dict as read from YAML or built from XLSX sheets)."""
    if "policies" in data and not any(k in data for k in ("posts", "secondments", "agreements")):
        raise StaffingInputError(f"{source}: 人材育成の入力（policies）です。kouiki staffing training で読み込んでください")
    check_keys(data, "top", source)
    types = list(builtin_types())
    for rec, ctx in _records(data.get("specialist_types"), source, "specialist_types", "specialist_types"):
        t = SpecialistType(
            id=_req(rec, ctx, "id", str),
            name=_req(rec, ctx, "name", str),
            aliases=tuple(str(a) for a in (rec.get("aliases") or ())),
            description=rec.get("description"),
            source=rec.get("source") or source,
        )
        types = [x for x in types if x.id != t.id] + [t]
    all_types = tuple(types)
    ptype = type_parser(all_types)

    years = _parse_years(data.get("years"), source)
    dflt = data.get("defaults") or {}
    if not isinstance(dflt, dict):
        raise StaffingInputError(f"{source}: 「defaults」はキーと値の組で指定してください")
    dctx = _Ctx(source, "defaults", 0, dflt.get(_LINE), dflt.get("__row_word__", "行目"), "defaults", dflt.get("__lines__"))
    check_keys(dflt, "defaults", dctx.where)
    defaults = PlanDefaults(
        secondment_type=_get(dflt, dctx, "secondment_type", parse_secondment_type, False) or SecondmentType.AGREEMENT,
        contribution_rate=_get(dflt, dctx, "contribution_rate", parse_decimal, False) or Decimal(0),
        agreement=_get(dflt, dctx, "agreement", str, False),
    )
    if defaults.contribution_rate > 1:
        raise dctx.error("contribution_rate", "負担率は0〜1です")

    agreements: list[Agreement] = []
    for rec, ctx in _records(data.get("agreements"), source, "agreements（連携協約）", "agreements"):
        parties = tuple(dict.fromkeys(c for p in _req(rec, ctx, "parties", parse_list) for c in _party(p, ctx)))
        sender = _get(rec, ctx, "sender", parse_body, False)
        if sender is None:
            prefs = [p for p in parties if codes.is_prefecture(p)]
            if len(prefs) != 1:
                raise ctx.error("sender", "派遣元（sender）を指定してください（都道府県の当事者が1つでないため特定できません）")
            sender = prefs[0]
        votes_raw = rec.get("council_votes") or {}
        votes: dict[str, dt.date] = {}
        if not isinstance(votes_raw, dict):
            raise ctx.error("council_votes", "団体: 議決日 の組で指定してください")
        for k, v in votes_raw.items():
            if k == _LINE:
                continue
            try:
                votes[parse_body(k)] = parse_date(v)
            except KouikiError as exc:
                raise ctx.error("council_votes", str(exc)) from None
        expertise = tuple(ptype(x) for x in _get(rec, ctx, "expertise", parse_list, False) or [])
        agreements.append(
            Agreement(
                id=str(_req(rec, ctx, "id", str)),
                name=str(rec.get("name") or rec["id"]),
                parties=parties,
                sender=sender,
                basic_policy=_get(rec, ctx, "basic_policy", str, False),
                role_split=_get(rec, ctx, "role_split", str, False),
                expertise=expertise,
                concluded_on=_get(rec, ctx, "concluded_on", parse_date, False),
                council_votes=votes,
                memorandum=_get(rec, ctx, "memorandum", str, False),
                line=ctx.where,
            )
        )
        if sender not in parties:
            raise ctx.error("sender", f"派遣元の{body_label(sender)}が当事者（parties）に含まれていません")
        for body in votes:
            if body not in parties:
                raise ctx.error("council_votes", f"{body_label(body)}は協約の当事者ではありません")
    _unique(((a.id, ctx) for a, (_, ctx) in zip(agreements, _records(data.get("agreements"), source, "agreements"), strict=True)), "協約")
    agreement_ids = {a.id for a in agreements}

    def pagreement(value: Any) -> str:
        text = str(value).strip()
        if text not in agreement_ids:
            raise StaffingInputError(f"連携協約ID {text!r} がありません（定義済み: {'、'.join(sorted(agreement_ids)) or 'なし'}）")
        return text

    if defaults.agreement is not None and defaults.agreement not in agreement_ids:
        raise dctx.error("agreement", f"連携協約ID {defaults.agreement!r} がありません")

    posts: list[Post] = []
    post_recs = _records(data.get("posts"), source, "posts（ポスト）", "posts")
    for rec, ctx in post_recs:
        fte = _get(rec, ctx, "fte", parse_decimal, False)
        if fte is not None and not (0 < fte <= 1):
            raise ctx.error("fte", f"勤務量は0より大きく1以下です: {fte}")
        start = _req(rec, ctx, "start_year", parse_year)
        end = _get(rec, ctx, "end_year", parse_year, False)
        if end is not None and end < start:
            raise ctx.error("end_year", f"終了年度 {end} が開始年度 {start} より前です")
        by_year_raw = rec.get("salary_by_year") or {}
        by_year: dict[int, int] = {}
        if not isinstance(by_year_raw, dict):
            raise ctx.error("salary_by_year", "年度: 金額 の組で指定してください")
        for k, v in by_year_raw.items():
            if k == _LINE:
                continue
            try:
                by_year[parse_year(k)] = parse_yen(v)
            except KouikiError as exc:
                raise ctx.error("salary_by_year", str(exc)) from None
        max_receivers = _get(rec, ctx, "max_receivers", int, False)
        if max_receivers is not None and max_receivers < 1:
            raise ctx.error("max_receivers", "担当する団体数の上限は1以上の整数です")
        posts.append(
            Post(
                id=str(_req(rec, ctx, "id", str)),
                max_receivers=max_receivers,
                name=_get(rec, ctx, "name", str, False),
                employer=_req(rec, ctx, "employer", parse_body),
                type=_req(rec, ctx, "type", ptype),
                employment=_req(rec, ctx, "employment", parse_employment),
                salary_yen=_req(rec, ctx, "salary_yen", parse_yen),
                salary_by_year=by_year,
                start_year=start,
                end_year=end,
                fte=fte if fte is not None else Decimal(1),
                main_duty_municipal_support=_get(rec, ctx, "main_duty_municipal_support", parse_bool, False),
                hired_as_specialist=_get(rec, ctx, "hired_as_specialist", parse_bool, False),
                recruiting_cost_yen=_get(rec, ctx, "recruiting_cost_yen", parse_yen, False) or 0,
                recruiting_year=_get(rec, ctx, "recruiting_year", parse_year, False),
                base=_get(rec, ctx, "base", parse_body, False),
                agreement=_get(rec, ctx, "agreement", pagreement, False),
                line=ctx.where,
            )
        )
    _unique(((p.id, ctx) for p, (_, ctx) in zip(posts, post_recs, strict=True)), "ポスト")
    post_by_id = {p.id: p for p in posts}

    def ppost(value: Any) -> str:
        text = str(value).strip()
        if text not in post_by_id:
            raise StaffingInputError(f"ポストID {text!r} がありません（定義済み: {'、'.join(post_by_id) or 'なし'}）")
        return text

    secondments: list[Secondment] = []
    for rec, ctx in _records(data.get("secondments"), source, "secondments（派遣）", "secondments"):
        post = post_by_id[_req(rec, ctx, "post", ppost)]
        share = _share(rec, ctx, "share", "days_per_week")
        if share is None:
            raise ctx.error("share", "派遣の割合（share）または週日数（days_per_week）を指定してください")
        if not (0 < share <= post.fte):
            raise ctx.error("share", f"割合は0より大きくポストの勤務量（{post.fte}）以下です: {share}")
        from_year = _get(rec, ctx, "from_year", parse_year, False) or post.start_year
        to_year = _get(rec, ctx, "to_year", parse_year, False)
        if to_year is not None and to_year < from_year:
            raise ctx.error("to_year", f"終了年度 {to_year} が開始年度 {from_year} より前です")
        if from_year < post.start_year or (post.end_year is not None and (to_year is None or to_year > post.end_year)):
            raise ctx.error("from_year", f"派遣期間がポスト {post.id} の期間（{post.start_year}〜{post.end_year or ''}）の外です")
        cyen = _get(rec, ctx, "contribution_yen", parse_yen, False)
        crate = _get(rec, ctx, "contribution_rate", parse_decimal, False)
        if cyen is not None and crate is not None:
            raise ctx.error("contribution_yen", "負担金は金額（contribution_yen）か負担率（contribution_rate）のどちらか一方です")
        if crate is not None and crate > 1:
            raise ctx.error("contribution_rate", "負担率は0〜1です")
        receiver = _req(rec, ctx, "receiver", parse_body)
        if receiver == post.employer:
            raise ctx.error("receiver", "派遣先が採用団体と同じです")
        secondments.append(
            Secondment(
                post=post.id,
                receiver=receiver,
                share=share,
                from_year=from_year,
                to_year=to_year,
                type=_get(rec, ctx, "type", parse_secondment_type, False) or defaults.secondment_type,
                agreement=_get(rec, ctx, "agreement", pagreement, False),
                contribution_yen=cyen,
                contribution_rate=crate,
                line=ctx.where,
            )
        )

    demand: list[Demand] = []
    for rec, ctx in _records(data.get("demand"), source, "demand（需要）", "demand"):
        fte = _share(rec, ctx, "fte", "days_per_week", one_person=False)
        if fte is None or fte == 0:
            raise ctx.error("fte", "必要な勤務量（fte、0より大きい）または週日数（days_per_week）を指定してください")
        demand.append(
            Demand(
                body=_req(rec, ctx, "body", parse_body),
                type=_req(rec, ctx, "type", ptype),
                fte=fte,
                from_year=_get(rec, ctx, "from_year", parse_year, False),
                to_year=_get(rec, ctx, "to_year", parse_year, False),
                line=ctx.where,
            )
        )

    if years is None:
        starts = [p.start_year for p in posts] + [s.from_year for s in secondments]
        ends = [p.end_year for p in posts if p.end_year] + [s.to_year for s in secondments if s.to_year]
        if not starts:
            raise StaffingInputError(f"{source}: 対象年度（years）を指定してください")
        years = tuple(range(min(starts), max(ends or starts) + 1))

    case = StaffingCase(
        title=str(data.get("title") or Path(source).stem),
        years=years,
        agreements=tuple(agreements),
        posts=tuple(posts),
        secondments=tuple(secondments),
        demand=tuple(demand),
        types=all_types,
        defaults=defaults,
        source=source,
    )
    check_capacity(case)
    return case


def _parse_years(value: Any, source: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        if isinstance(value, dict):
            lo = parse_year(value["from"])
            hi = parse_year(value.get("to", value["from"]))
        elif isinstance(value, list):
            ys = sorted({parse_year(v) for v in value})
            return tuple(ys)
        else:
            text = unicodedata.normalize("NFKC", str(value))
            parts = re.split(r"\s*(?:-|〜|~|～|から)\s*", text)
            lo, hi = parse_year(parts[0]), parse_year(parts[-1])
    except (KeyError, KouikiError) as exc:
        raise StaffingInputError(f"{source} 項目「years」: 対象年度を解釈できません（例: {{from: R7, to: R9}}）: {exc}") from None
    if hi < lo:
        raise StaffingInputError(f"{source} 項目「years」: 終了年度が開始年度より前です")
    return tuple(range(lo, hi + 1))


def check_capacity(case: StaffingCase) -> None:
    """A post cannot be seconded for more than its FTE in any 年度."""
    for post in case.posts:
        for year in case.years:
            total = sum((s.share for s in case.secondments if s.post == post.id and s.active(year)), Decimal(0))
            if total > post.fte:
                where = next(s.line for s in case.secondments if s.post == post.id and s.active(year))
                raise StaffingInputError(
                    f"{where}: ポスト {post.id} の{FiscalYear(year).wareki()}の派遣割合の合計 {total} が勤務量 {post.fte} を超えています"
                )


# ---- files -----------------------------------------------------------------------------------

DEMO_FILES = {
    "demo": "aomori_hirosaki.yaml",
    "demo-xlsx": "aomori_hirosaki.xlsx",
    "training-demo": "aomori_training.yaml",
    "training-demo-xlsx": "aomori_training.xlsx",
}


def demo_path(name: str = "demo") -> Path:
    """Path of a packaged demo file (``demo`` → 青森県 seconding to 弘前圏域)."""
    from importlib import resources

    return Path(str(resources.files("kouiki.staffing").joinpath("demo", DEMO_FILES[name])))


def read_mapping(path: str | Path) -> tuple[dict[str, Any], str]:
    """The raw dict of a YAML file or an XLSX workbook (sheets → sections), and its display name."""
    text_path = str(path)
    if text_path in DEMO_FILES:
        path = demo_path(text_path)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from kouiki.staffing.xlsx import read_workbook

        return read_workbook(p), p.name
    if p.suffix.lower() in (".yaml", ".yml", ".json"):
        return load_yaml_text(_decode(p.read_bytes(), p.name), p.name), p.name
    raise StaffingInputError(f"{p.name}: 対応していない形式です（.yaml / .yml / .json / .xlsx）")


def _decode(raw: bytes, name: str) -> str:
    """Text of a file saved as UTF-8 (with or without BOM), UTF-16 or Shift_JIS/CP932 (Windows)."""
    try:
        return decode_user_bytes(raw, name)[0]
    except FileEncodingError as exc:
        raise StaffingInputError(f"{exc}（UTF-8 または Shift_JIS で保存してください）") from None


def load_case(path: str | Path) -> StaffingCase:
    """Load a staffing case from YAML/JSON/XLSX (``"demo"`` = the packaged 青森県・弘前圏域 demo)."""
    data, name = read_mapping(path)
    return case_from_dict(data, name)
