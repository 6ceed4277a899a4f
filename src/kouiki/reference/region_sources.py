"""The sources (出典) of one region's facts, grouped and de-duplicated, and the facts no source gave (不明).

Every fact of a :class:`~kouiki.reference.regions.Region` may carry a :class:`~kouiki.reference.regions.Citation`
(中心市宣言, each member's 形成協定 and 変更協定, each 共生ビジョン, the 形成方針, the formation claims, the
overlapping frameworks, the projects). One page often supports many facts (a prefectural list gives the 協定日 of
eight members): :func:`region_sources` lists it once, with what it supports. :func:`region_unknowns` lists the
facts that are ``null`` with the note the registry keeps for them.

:func:`source_kind` classifies a citation by its URL and title (the rule is written on the function); the
PROVENANCE counts (``scripts/regions_provenance.py``) use the same rule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from kouiki.reference.calendar import FiscalYear, wareki_date
from kouiki.reference.errors import KouikiError
from kouiki.reference.municipalities import registry
from kouiki.reference.regions import Citation, Framework, Region, Role


class SourceKind(StrEnum):
    """The kind of page a fact came from (PROVENANCE.md counts facts by these)."""

    MUNICIPAL = "市町村"
    PREFECTURAL = "都道府県"
    MIC = "総務省"
    REPRINT = "転載・弱い出典"
    NEWS = "報道"
    SEED = "seed資料"
    OTHER = "その他"
    NO_URL = "URLなし"


# Hosts of copies of municipal documents, blogs and portals: the fact is real but the copy is not the publisher's.
_REPRINT_HOSTS = (
    "paperzz", "happylibus", "docsplayer", "pdfslide", "vdocuments", "fdocuments", "expydoc", "studylib",
    "blog", "ameblo", "hatena", "note.com", "fc2", "livedoor", "goo.ne.jp", "wordpress", "jimdo", "39kita",
    "y0zzj", "cyberlink", "slideplayer", "docplayer", "kipdf", "yumpu", "scribd",
)
# News sites (newspapers, broadcasters, regional news portals).
_NEWS_HOSTS = (
    "mainichi", "asahi", "yomiuri", "nikkei", "sankei", "nishinippon", "kahoku", "minyu", "shinmai", "jomo",
    "tohkaishimpo", "bonichi", "inadani", "nagano-np", "otaru-journal", "shikoku-np", "e-shikoku", "sanyonews",
    "chugoku-np", "kobe-np", "kyoto-np", "hokkoku", "kitanippon", "hokkaido-np", "tokachi", "nhk", "47news",
    "jiji", "kyodo", "kochinews", "ehime-np", "kumanichi", "miyanichi", "373news", "oita-press", "nagasaki-np",
    "saga-s", "yamagata-np", "sakigake", "iwate-np", "daily-tohoku", "toonippo", "fukushima-minpo", "ibaraki-np",
    "shimotsuke", "niigata-nippo", "chunichi", "gifu-np", "at-s.com", "sanin-chuo",
    "news", "shimbun", "shinbun", "times", "journal", "nippo",
)
_REPRINT_WORDS = ("転載", "mirror", "ミラー", "写し", "弱い出典")
_NEWS_TITLE = re.compile(r"新聞|民報|日報|新報|ニュース|ねっと|マガジン|タイムス|ジャーナル")
_MUNICIPAL_HOST = re.compile(r"(^|\.)(city|town|vill|village|cho|machi|mura)[.-]")
_MUNICIPAL_TITLE = re.compile(r"(市|町|村|区)(役所|役場)?(ホームページ|公式|[「『 　]|$)|市長|町長|村長|広報")
_PREF_TITLE = re.compile(r"^(北海道|東京都|大阪府|京都府|.{2,3}県)(?!内)")


def source_kind(citation: Citation) -> SourceKind:
    """Classify a citation by its URL, else by its title.

    The rule (first match wins):

    1. ``seed:`` (URL or title) → ``seed資料`` (the seed deck bundled with the specification);
    2. no http(s) URL → ``URLなし`` (e.g. a CSV row that named no page);
    3. host ``*.soumu.go.jp`` → 総務省;
    4. a title saying 転載/mirror/ミラー/写し/弱い出典 → 転載・弱い出典;
    5. a title naming a newspaper or news site (新聞, 民報, 日報, ニュース, …) or the host of one (mainichi,
       nishinippon, nhk, … or containing ``news``/``shimbun``) → 報道 (an archived copy of an article too);
    6. host of a document mirror, blog or portal (paperzz, happylibus, docsplayer, expydoc, … ``blog``,
       ``ameblo`` …) → 転載・弱い出典; a 例規集 host (``reiki``) → 市町村;
    7. host ``pref.*`` or ``*.pref.*`` (or the 北海道 government ``hokkaido.lg.jp`` without a city part) → 都道府県;
    8. host ``city.*``/``town.*``/``vill.*``/``*.lg.jp`` of a 市町村, or another ``.lg.jp`` host → 市町村;
    9. otherwise the title decides: a 市町村 name or 広報/市長 → 市町村, a prefecture name first → 都道府県;
    10. else その他 (e.g. 国土地理協会, a 一部事務組合 site).
    """
    url = (citation.url or "").strip()
    title = citation.title
    if url.startswith("seed:") or title.startswith("seed:"):
        return SourceKind.SEED
    if not url.startswith(("http://", "https://")):
        return SourceKind.NO_URL
    host = (urlsplit(url).hostname or "").lower()
    if host.endswith("soumu.go.jp"):
        return SourceKind.MIC
    if any(w in title for w in _REPRINT_WORDS):
        return SourceKind.REPRINT
    if _NEWS_TITLE.search(title) or any(h in host for h in _NEWS_HOSTS):
        return SourceKind.NEWS
    if any(h in host for h in _REPRINT_HOSTS):
        return SourceKind.REPRINT
    if "reiki" in host:  # 例規集 (g-reiki, reiki-base …): the municipality's own published rules
        return SourceKind.MUNICIPAL
    if host.startswith("pref.") or ".pref." in host or host in ("www.hokkaido.lg.jp", "hokkaido.lg.jp"):
        return SourceKind.PREFECTURAL
    if _MUNICIPAL_HOST.search(host) or host.endswith(".lg.jp"):
        return SourceKind.MUNICIPAL
    if _MUNICIPAL_TITLE.search(title):
        return SourceKind.MUNICIPAL
    if _PREF_TITLE.match(title):
        return SourceKind.PREFECTURAL
    return SourceKind.OTHER


@dataclass
class SourceUse:
    """One source of a region and the facts it supports (in the order met: 宣言, 協定, ビジョン, …)."""

    title: str
    url: str | None
    as_of: dt.date | None
    kind: SourceKind
    supports: dict[str, list[str]] = field(default_factory=dict)  # fact → the bodies/visions it is about

    @property
    def as_of_wareki(self) -> str | None:
        return None if self.as_of is None else wareki_date(self.as_of)

    @property
    def is_link(self) -> bool:
        return bool(self.url) and str(self.url).startswith(("http://", "https://"))

    @property
    def fact_count(self) -> int:
        return sum(max(1, len(v)) for v in self.supports.values())

    def supports_text(self) -> list[str]:
        """Each fact with its subjects: 「形成協定（黒石市、平川市）」, 「中心市宣言」."""
        return [f"{fact}（{'、'.join(subjects)}）" if subjects else fact for fact, subjects in self.supports.items()]


@dataclass(frozen=True)
class UnknownFact:
    """A fact the registry holds as ``null`` (不明), with the note kept for it (if any)."""

    label: str
    note: str | None = None


def _name(code: str) -> str:
    try:
        return registry().by_code(code).name
    except KouikiError:
        return code


def _fy(year: int) -> str:
    return FiscalYear(year).wareki()


# The names of the steps in each framework (連携中枢都市圏: 連携中枢都市宣言 → 連携協約 → 都市圏ビジョン).
_LABELS: dict[Framework, dict[str, str]] = {
    Framework.TEIJU: {"declaration": "中心市宣言", "agreement": "形成協定", "amendment": "変更協定",
                      "vision": "共生ビジョン", "policy": "形成方針"},
    Framework.RENKEI: {"declaration": "連携中枢都市宣言", "agreement": "連携協約", "amendment": "連携協約の変更",
                       "vision": "連携中枢都市圏ビジョン", "policy": "連携中枢都市圏形成方針"},
}


def region_sources(region: Region) -> list[SourceUse]:
    """Every citation of the region once (same URL, or same title when there is no URL), with what it supports."""
    out: dict[tuple[str, str], SourceUse] = {}
    label = _LABELS[region.framework]

    def use(c: Citation | None, fact: str, subject: str | None = None) -> None:
        if c is None:
            return
        key = ("url", c.url) if c.url else ("title", c.title)
        s = out.get(key)
        if s is None:
            s = out[key] = SourceUse(title=c.title, url=c.url, as_of=c.as_of, kind=source_kind(c))
        elif c.as_of is not None and (s.as_of is None or c.as_of > s.as_of):
            s.as_of = c.as_of  # the same page cited with two dates: show the later
        subjects = s.supports.setdefault(fact, [])
        if subject is not None and subject not in subjects:
            subjects.append(subject)

    use(region.declaration_source, label["declaration"], "・".join(_name(c) for c in region.central))
    for c in region.agreement_sources:
        use(c, label["agreement"], "圏域全体")
    if region.formation_policy is not None:
        use(region.formation_policy.source, label["policy"], _name(region.central[0]))
    for m in region.members:
        if m.role is Role.NEIGHBOR:
            use(m.agreement_source, label["agreement"], _name(m.code))
            if m.agreement_by is not None and m.agreement_by_source is not None:
                use(m.agreement_by_source, label["agreement"], _name(m.code))
        for a in m.amendments:
            use(a.source, label["amendment"], _name(m.code))
    for v in region.visions:
        use(v.source, label["vision"], v.title)
    for fc in region.formation_claims:
        use(fc.source, "形成年度", _fy(fc.fiscal_year))
    for o in region.also_in:
        use(o.source, "重複する枠組み", o.name)
    for p in region.projects:
        use(p.source, "取組", p.name)
    return list(out.values())


def _notes_about(region: Region, *words: str) -> str | None:
    hits = [n for n in region.notes if any(w in n for w in words)]
    return " ".join(hits) if hits else None


def region_unknowns(region: Region) -> list[UnknownFact]:
    """The facts held as ``null`` (不明), each with its note (the member's 協定 note, else the region's notes
    that mention the fact)."""
    out: list[UnknownFact] = []
    label = _LABELS[region.framework]
    if region.declaration_date is None:
        out.append(UnknownFact(f"{label['declaration']}の日", _notes_about(region, "宣言")))
    if region.formation_policy is not None and region.formation_policy.adopted is None \
            and region.formation_policy.vote_date is None:
        out.append(UnknownFact(f"{label['policy']}の策定日", _notes_about(region, "形成方針")))
    for m in region.neighbors():
        if m.agreement_date is None:
            note = m.agreement_note or _notes_about(region, _name(m.code), "協定", "協約")
            if m.agreement_by is not None:
                bound = f"遅くとも{wareki_date(m.agreement_by)}までに締結（{m.agreement_by_note}）"
                note = f"{note} {bound}" if note else bound
            out.append(UnknownFact(f"{_name(m.code)}の{label['agreement']}の締結日", note))
        for a in m.amendments:
            if a.date is None:
                out.append(UnknownFact(f"{_name(m.code)}の{label['amendment']}の締結日", a.note))
    for v in region.visions:
        if v.adopted is None:
            out.append(UnknownFact(f"「{v.title}」の策定日", _notes_about(region, "ビジョン")))
        if v.start_fiscal_year is None or v.end_fiscal_year is None:
            out.append(UnknownFact(f"「{v.title}」の計画期間", _notes_about(region, "期間")))
    return out


@dataclass(frozen=True)
class RegionSourcesView:
    """What the region page's 「出典」 section shows."""

    sources: list[SourceUse]
    unknowns: list[UnknownFact]

    @property
    def has_links(self) -> bool:
        return any(s.is_link for s in self.sources)


def region_sources_view(region: Region) -> RegionSourcesView:
    return RegionSourcesView(region_sources(region), region_unknowns(region))
