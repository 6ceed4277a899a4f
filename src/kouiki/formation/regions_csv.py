"""A CSV of regions (one row per member) → validated :class:`Region` models, all or nothing.

Columns (Japanese headers accepted; UTF-8 with BOM or CP932 as Excel saves them):

``region_id`` 圏域ID, ``region_name`` 圏域名, ``type`` 類型 (standard/通常, compound/複眼型, single_merged/合併1市),
``municipality`` 団体コード or 団体名, ``role`` 役割 (中心市/central, 近隣市町村/neighbor),
``declaration_date`` 中心市宣言日, ``agreement_date`` 協定締結日, ``central_vote_date`` 中心市議決日,
``member_vote_date`` 近隣議決日, ``vision_title`` ビジョン名, ``vision_adopted`` ビジョン策定日,
``vision_start_fiscal_year`` ビジョン開始年度, ``vision_end_fiscal_year`` ビジョン終了年度, ``source`` 出典.
Region-level cells may be repeated on every row or given once; different values are an error. Dates are ISO
(2011-03-23), 2011/3/23 or 和暦 (平成23年3月23日, H23.3.23); 年度 as 2025, R7 or 令和7年度.
Errors name the file, the row (行, counting the header as row 1) and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kouiki.reference.calendar import ERAS, FiscalYear
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Region, RegionError

ALIASES = {
    "region_id": ["region_id", "圏域ID", "圏域id", "ID"],
    "region_name": ["region_name", "圏域名", "名称"],
    "type": ["type", "類型", "種類"],
    "municipality": ["municipality", "団体コード", "団体名", "市町村", "構成団体", "code"],
    "role": ["role", "役割"],
    "declaration_date": ["declaration_date", "中心市宣言日", "宣言日"],
    "agreement_date": ["agreement_date", "協定締結日", "形成協定締結日"],
    "central_vote_date": ["central_vote_date", "中心市議決日"],
    "member_vote_date": ["member_vote_date", "近隣議決日", "近隣市町村議決日"],
    "vision_title": ["vision_title", "ビジョン名", "共生ビジョン"],
    "vision_adopted": ["vision_adopted", "ビジョン策定日"],
    "vision_start_fiscal_year": ["vision_start_fiscal_year", "ビジョン開始年度"],
    "vision_end_fiscal_year": ["vision_end_fiscal_year", "ビジョン終了年度"],
    "source": ["source", "出典", "source_url"],
}
REGION_FIELDS = ["region_name", "type", "declaration_date", "vision_title", "vision_adopted",
                 "vision_start_fiscal_year", "vision_end_fiscal_year", "source"]
TYPES = {"standard": "standard", "通常": "standard", "": "standard", "compound": "compound", "複眼型": "compound",
         "single_merged": "single_merged", "合併1市": "single_merged", "合併1市圏域": "single_merged"}
ROLES = {"central": "central", "中心市": "central", "neighbor": "neighbor", "neighbour": "neighbor",
         "近隣市町村": "neighbor", "近隣": "neighbor"}
_ERA = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}
_WAREKI = re.compile(r"^(令和|平成|昭和|[RHS])\s*(元|\d{1,2})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$")
_WEST = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class RegionCsvError(KouikiError, ValueError):
    """A regions CSV that does not validate; the message names file, row and column."""


def parse_date(text: str) -> dt.date:
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if m := _WEST.match(t):
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _WAREKI.match(t.upper() if t[:1].isascii() else t):
        era = _ERA[m.group(1)]
        year = era.start.year + (1 if m.group(2) == "元" else int(m.group(2))) - 1
        return dt.date(year, int(m.group(3)), int(m.group(4)))
    raise ValueError(f"日付を解釈できません: '{text}'（例: 2011-03-23, 平成23年3月23日, H23.3.23）")


def _read(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def read_regions_csv(path: Path | str) -> list[Region]:
    """Parse and validate every row; raise one error naming file, row and column at the first problem."""
    p = Path(path)
    rows = list(csv.reader(io.StringIO(_read(p))))
    if not rows:
        raise RegionCsvError(f"{p}: 空のファイルです")
    header = [unicodedata.normalize("NFKC", h).strip() for h in rows[0]]
    col: dict[str, int] = {}
    for key, names in ALIASES.items():
        for n in names:
            if unicodedata.normalize("NFKC", n) in header:
                col[key] = header.index(unicodedata.normalize("NFKC", n))
                break
    for need in ("region_id", "municipality", "role"):
        if need not in col:
            raise RegionCsvError(f"{p}: 1行目: 列「{ALIASES[need][0]}」（{ALIASES[need][1]}）がありません")
    regions: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}

    def cell(r: list[str], key: str) -> str:
        j = col.get(key)
        return "" if j is None or j >= len(r) else r[j].strip()

    for i, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue

        def err(key: str, msg: str, i: int = i) -> RegionCsvError:
            return RegionCsvError(f"{p}: {i}行目 列「{header[col[key]] if key in col else key}」: {msg}")

        rid = cell(r, "region_id")
        if not rid:
            raise err("region_id", "圏域IDが空です")
        reg = regions.setdefault(rid, {"id": rid, "members": [], "visions": [], "_fields": {}})
        first_row.setdefault(rid, i)
        for key in REGION_FIELDS:
            v = cell(r, key)
            if not v:
                continue
            old = reg["_fields"].get(key)
            if old is not None and old[0] != v:
                raise err(key, f"同じ圏域 {rid} で値が異なります（{old[1]}行目: '{old[0]}'、この行: '{v}'）")
            reg["_fields"][key] = (v, i)
        who = cell(r, "municipality")
        try:
            body = registry().get(who)
        except KouikiError as exc:
            raise err("municipality", str(exc)) from None
        role = ROLES.get(cell(r, "role"))
        if role is None:
            raise err("role", f"役割 '{cell(r, 'role')}' は 中心市 / 近隣市町村 のいずれかです")
        member: dict[str, Any] = {"code": body.code, "role": role}
        for key in ("agreement_date", "central_vote_date", "member_vote_date"):
            if v := cell(r, key):
                try:
                    member[key] = parse_date(v)
                except ValueError as exc:
                    raise err(key, str(exc)) from None
        reg["members"].append((i, member))

    out = []
    for rid, reg in regions.items():
        f = {k: v for k, (v, _line) in reg["_fields"].items()}
        line_of = {k: line for k, (_v, line) in reg["_fields"].items()}

        def ferr(key: str, msg: str, rid: str = rid, line_of: dict[str, int] = line_of) -> RegionCsvError:
            return RegionCsvError(f"{p}: {line_of.get(key, first_row[rid])}行目 列「{key}」: {msg}")

        typ = TYPES.get(f.get("type", ""))
        if typ is None:
            raise ferr("type", f"類型 '{f['type']}' は 通常 / 複眼型 / 合併1市 のいずれかです")
        doc: dict[str, Any] = {
            "id": rid, "name": f.get("region_name") or rid, "type": typ,
            "central": [m["code"] for _i, m in reg["members"] if m["role"] == "central"],
            "members": [m for _i, m in reg["members"]],
        }
        src = {"title": f["source"], "url": f["source"] if f["source"].startswith("http") else None} if f.get("source") else None
        try:
            if "declaration_date" in f:
                doc["declaration_date"] = parse_date(f["declaration_date"])
                doc["declaration_source"] = src
            if "vision_title" in f or "vision_adopted" in f or "vision_start_fiscal_year" in f:
                vision: dict[str, Any] = {"title": f.get("vision_title", f"{doc['name']}共生ビジョン"), "source": src}
                if "vision_adopted" in f:
                    vision["adopted"] = parse_date(f["vision_adopted"])
                for key in ("vision_start_fiscal_year", "vision_end_fiscal_year"):
                    if key in f:
                        vision[key.removeprefix("vision_")] = FiscalYear.parse(f[key]).year
                doc["visions"] = [vision]
        except (ValueError, KouikiError) as exc:
            bad = next((k for k in ("declaration_date", "vision_adopted", "vision_start_fiscal_year",
                                    "vision_end_fiscal_year") if k in f), "declaration_date")
            raise ferr(bad, str(exc)) from None
        try:
            out.append(Region.model_validate(doc))
        except (ValidationError, KouikiError, ValueError) as exc:
            detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            detail = detail.removeprefix("Value error, ")
            raise RegionError(f"{p}: 圏域 {rid}（{first_row[rid]}行目から）: {detail}") from None
    return out
