"""A CSV shaped like MIC's 「定住自立圏の取組状況」 list → validated :class:`Region` models, all or nothing.

One row per region. Columns (Japanese headers; UTF-8, UTF-8-BOM or CP932 as Excel saves them):

====================  ========  ==============================================================================
header                required  content
====================  ========  ==============================================================================
圏域名                yes       e.g. 弘前圏域定住自立圏
中心市                yes       one 市, or two joined by ・ for 複眼型 (十和田市・三沢市)
近隣市町村            yes*      names joined by 、 (or ・ , /); a date in brackets after a name is that body's
                                協定締結日 (田原本町(2016-10-05)); a date with まで (or 〜 before it) is the
                                latest day its 協定 can have been signed when the day itself is unknown
                                (胎内市(2016-10-31まで): 「遅くとも…までに締結」, sourced by the row's 出典).
                                Empty (or －) for 合併1市圏域
宣言日                no        中心市宣言の日
協定締結日            no        形成協定の締結日 for every neighbour without its own date; for 合併1市圏域 the
                                形成方針の議決日
ビジョン策定日        no        共生ビジョンの策定日
都道府県              no        the 中心市's prefecture; names without a prefecture are looked up there first
圏域ID                no        an id for the registry (default: the 圏域名)
類型                  no        通常 / 複眼型 / 合併1市 (default: 複眼型 for two 中心市, 合併1市 without 近隣市町村)
出典                  no        title or URL of the page the row comes from (default: the file name and row)
時点                  no        the date of that page (as_of)
====================  ========  ==============================================================================

Dates: 2011-03-23, 2011/3/23, 2011年3月23日, 平成23年3月23日, H23.3.23, R7.4.1. Every bad row is listed (row, column,
value, reason) in one :class:`RegionImportError`; nothing is returned unless every row is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kouiki.reference.calendar import ERAS
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import Municipality, registry
from kouiki.reference.regions import Region
from kouiki.reference.textfile import FileEncodingError, read_user_text

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("圏域名", "定住自立圏名", "圏域"),
    "central": ("中心市", "宣言中心市"),
    "neighbors": ("近隣市町村", "周辺市町村", "連携市町村"),
    "declaration": ("宣言日", "中心市宣言日", "中心市宣言"),
    "agreement": ("協定締結日", "形成協定締結日", "協定締結"),
    "vision": ("ビジョン策定日", "共生ビジョン策定日", "共生ビジョン"),
    "prefecture": ("都道府県", "都道府県名"),
    "id": ("圏域ID", "ID"),
    "type": ("類型",),
    "source": ("出典", "URL"),
    "as_of": ("時点", "出典の時点"),
}
REQUIRED = ("name", "central", "neighbors")
TYPES = {"通常": "standard", "standard": "standard", "複眼型": "compound", "compound": "compound",
         "合併1市": "single_merged", "合併1市圏域": "single_merged", "single_merged": "single_merged"}
EMPTY = {"", "-", "－", "―", "ー", "なし"}
_SEPARATORS = set("、,，/／;；\n・")
_MEMBER = re.compile(r"^(?P<name>[^()（）]+?)\s*(?:[(（](?P<date>[^()（）]+)[)）])?$")
_ERA = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}
_WAREKI = re.compile(r"^(令和|平成|昭和|[RHS])\s*(元|\d{1,2})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$")
_WEST = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_BY = re.compile(r"^(?:[〜~]\s*(?P<a>.+)|(?P<b>.+?)\s*(?:まで|以前))$")  # 「遅くともこの日までに締結」


class RegionImportError(KouikiError, ValueError):
    """A regions CSV with bad rows; the message lists every one (行, 列, 値, 理由)."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [f"{path}: {len(problems)} 件の誤りがあるため取り込みませんでした（全件を検証してから一括で取り込みます）"]
        lines += [f"  {p.row}行目 列「{p.column}」 値「{p.value}」: {p.reason}" for p in problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Problem:
    row: int  # counting the header as row 1
    column: str
    value: str
    reason: str


def parse_date(text: str) -> dt.date:
    """A date in 西暦 or 和暦 (平成23年3月23日, H23.3.23, R元.5.1); ValueError in Japanese otherwise."""
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    era = None
    if m := _WEST.match(t):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _WAREKI.match(t.upper() if t[:1].isascii() else t):
        era = _ERA[m.group(1)]
        y = era.start.year + (1 if m.group(2) == "元" else int(m.group(2))) - 1
        mo, d = int(m.group(3)), int(m.group(4))
    else:
        raise ValueError(f"日付を解釈できません: '{text}'（例: 2011-03-23, 平成23年3月23日, H23.3.23）")
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        raise ValueError(f"存在しない日付です: '{text}'") from None
    if era is not None and day < era.start:
        raise ValueError(f"'{text}' は{era.name}の始まり（{era.start.isoformat()}）より前です")
    return day



def _body(name: str, prefecture: str | None) -> Municipality:
    """A body by name; a name without a prefecture is tried in the row's prefecture first."""
    n = unicodedata.normalize("NFKC", name).strip()
    if prefecture and not n.startswith(prefecture):
        try:
            return registry().get(prefecture + n)
        except KouikiError:
            pass
    return registry().get(n)


def _split(cell: str) -> list[str]:
    """Split on 、 ・ , / ; and newlines, but not inside brackets (a member's own date may hold / or .)."""
    parts, buf, depth = [], "", 0
    for ch in unicodedata.normalize("NFKC", cell):
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(depth - 1, 0)
        if depth == 0 and ch in _SEPARATORS:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    return [x.strip() for x in parts if x.strip()]


def read_mic_csv(path: Path | str, *, today: dt.date | None = None) -> list[Region]:
    """Parse and validate every row of a MIC-shaped regions CSV; all or nothing (see the module doc)."""
    p = Path(path)
    try:
        text = read_user_text(p)[0]
    except FileEncodingError as exc:
        raise RegionImportError(str(p), [Problem(1, "-", "-", str(exc))]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise RegionImportError(str(p), [Problem(1, "-", "", "空のファイルです")])
    header = [unicodedata.normalize("NFKC", h).strip() for h in rows[0]]
    col: dict[str, int] = {}
    for key, names in HEADERS.items():
        for n in names:
            if n in header:
                col[key] = header.index(n)
                break
    missing = [HEADERS[k][0] for k in REQUIRED if k not in col]
    if missing:
        raise RegionImportError(str(p), [Problem(1, m, "", "必須の列がありません") for m in missing])
    problems: list[Problem] = []
    out: list[Region] = []
    seen_ids: dict[str, int] = {}
    today = today or dt.date.today()
    for i, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        region = _row(p, i, r, col, problems, today)
        if region is None:
            continue
        if region.id in seen_ids:
            problems.append(Problem(i, HEADERS["id"][0] if "id" in col else HEADERS["name"][0], region.id,
                                    f"圏域ID が {seen_ids[region.id]}行目と重複しています"))
            continue
        seen_ids[region.id] = i
        out.append(region)
    if problems:
        raise RegionImportError(str(p), problems)
    return out


def _row(p: Path, i: int, r: list[str], col: dict[str, int], problems: list[Problem], today: dt.date) -> Region | None:
    def cell(key: str) -> str:
        j = col.get(key)
        return "" if j is None or j >= len(r) else unicodedata.normalize("NFKC", r[j]).strip()

    n_before = len(problems)

    def bad(key: str, value: str, reason: str) -> None:
        problems.append(Problem(i, HEADERS[key][0], value, reason))

    def date_of(key: str, value: str) -> dt.date | None:
        if value in EMPTY:
            return None
        try:
            d = parse_date(value)
        except ValueError as exc:
            bad(key, value, str(exc))
            return None
        if d > today:
            bad(key, value, f"未来の日付です（今日は {today.isoformat()}）")
            return None
        return d

    name = cell("name")
    if not name:
        bad("name", "", "圏域名が空です")
    prefecture = cell("prefecture") or None
    centrals: list[Municipality] = []
    for c in _split(cell("central")):
        try:
            body = _body(c, prefecture)
        except KouikiError as exc:
            bad("central", c, str(exc))
            continue
        if not body.kind.is_city:
            bad("central", c, f"中心市は市でなければなりません（{body.full_name} は {body.kind.value}）")
        centrals.append(body)
    if not cell("central"):
        bad("central", "", "中心市が空です")
    pref_for_members = prefecture or (centrals[0].prefecture if centrals else None)
    declaration = date_of("declaration", cell("declaration"))
    agreement = date_of("agreement", cell("agreement"))
    vision = date_of("vision", cell("vision"))
    as_of = date_of("as_of", cell("as_of")) if "as_of" in col else None
    members: list[dict[str, Any]] = []
    raw_neighbors = "" if cell("neighbors") in EMPTY else cell("neighbors")
    for part in _split(raw_neighbors):
        m = _MEMBER.match(part)
        if m is None:
            bad("neighbors", part, "「市町村名」または「市町村名(協定締結日)」の形で書いてください")
            continue
        try:
            body = _body(m.group("name"), pref_for_members)
        except KouikiError as exc:
            bad("neighbors", part, str(exc))
            continue
        own = by = None
        if m.group("date"):
            b = _BY.match(m.group("date").strip())
            if b is not None:
                by = date_of("neighbors", (b.group("a") or b.group("b")).strip())
            else:
                own = date_of("neighbors", m.group("date"))
        member: dict[str, Any] = {"code": body.code, "role": "neighbor", "agreement_date": own or (None if by else agreement)}
        if by is not None:
            member["agreement_by"] = by
        members.append(member)
    typ_cell = cell("type")
    if typ_cell:
        typ = TYPES.get(typ_cell)
        if typ is None:
            bad("type", typ_cell, "類型は 通常 / 複眼型 / 合併1市 のいずれかです")
            typ = "standard"
    else:
        typ = "compound" if len(centrals) == 2 else "single_merged" if not members else "standard"
    if len(problems) > n_before:
        return None
    src_cell = cell("source")
    source = {"title": src_cell or f"{p.name} {i}行目", "url": src_cell if src_cell.startswith("http") else None,
              "as_of": as_of}
    doc: dict[str, Any] = {
        "id": cell("id") or name,
        "name": name,
        "type": typ,
        "central": [c.code for c in centrals],
        "declaration_date": declaration,
        "declaration_source": source if declaration else None,
        "members": [{"code": c.code, "role": "central"} for c in centrals]
        + [{**m, "agreement_source": source if m["agreement_date"] else None}
           | ({"agreement_by_source": source, "agreement_by_note": "取り込んだ表の近隣市町村欄の「まで」の記載"}
              if m.get("agreement_by") else {}) for m in members],
        "agreement_sources": [source],
    }
    if typ == "single_merged":
        doc["formation_policy"] = {"vote_date": agreement, "source": source}
    if vision:
        doc["visions"] = [{"title": f"{name}共生ビジョン", "adopted": vision, "source": source}]
    try:
        return Region.model_validate(doc)
    except ValidationError as exc:
        for e in exc.errors():
            problems.append(Problem(i, HEADERS["name"][0], name, str(e["msg"]).removeprefix("Value error, ")))
    except KouikiError as exc:
        problems.append(Problem(i, HEADERS["name"][0], name, str(exc)))
    return None


def is_mic_layout(path: Path | str) -> bool:
    """True when the CSV's header has 近隣市町村 (one row per region) rather than one row per member."""
    try:
        first = read_user_text(Path(path))[0].splitlines()[:1]
    except FileEncodingError:
        return False
    header = [unicodedata.normalize("NFKC", h).strip() for h in next(csv.reader(first), [])]
    return any(n in header for n in HEADERS["neighbors"])


def write_mic_csv(regions: list[Region] | tuple[Region, ...]) -> str:
    """The regions in the same layout (one row per region; each neighbour with its own 協定締結日 in brackets, or
    its upper bound as 「(…まで)」 when only that is known)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["圏域ID", "圏域名", "類型", "都道府県", "中心市", "近隣市町村", "宣言日", "協定締結日", "ビジョン策定日", "出典"])
    label = {"standard": "通常", "compound": "複眼型", "single_merged": "合併1市"}
    for r in regions:
        pref = registry().by_code(r.central[0]).prefecture
        def name(code: str, pref: str = pref) -> str:
            b = registry().by_code(code)
            return b.name if b.prefecture == pref else b.full_name
        neighbours = "、".join(
            f"{name(m.code)}({m.agreement_date.isoformat()})" if m.agreement_date
            else f"{name(m.code)}({m.agreement_by.isoformat()}まで)" if m.agreement_by else name(m.code)
            for m in r.neighbors())
        policy = r.formation_policy.vote_date or r.formation_policy.adopted if r.formation_policy else None
        vision = next((v.adopted for v in r.visions if v.adopted), None)
        src = r.declaration_source or (r.agreement_sources[0] if r.agreement_sources else None)
        w.writerow([r.id, r.name, label[r.type.value], pref, "・".join(name(c) for c in r.central), neighbours,
                    r.declaration_date.isoformat() if r.declaration_date else "",
                    policy.isoformat() if policy else "", vision.isoformat() if vision else "",
                    (src.url or src.title) if src else ""])
    return buf.getvalue()
