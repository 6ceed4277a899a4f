"""The detector of English identifiers and raw Python values in text a person reads (issue 15).

``leaks(text)`` lists every snake_case identifier (``comprehensive_neighbor``), dotted parameter path
(``facility_bond.longevity.bond_rate``), internal file name (``comprehensive_central.yaml``), raw boolean or
``None`` (``True``, ``False``, ``None``) and Python mapping/list repr (``{'method': 'flat'}``, ``['agreement']``)
in ``text``. Web addresses (citations' URLs) are left out; words people do read in Japanese screens (JSON, Excel, PDF, km, R7 …) are not identifiers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

LEAK = re.compile(
    r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"  # snake_case: comprehensive_neighbor, base_cap, in_force
    r"|\b[a-z_]+(?:\.[a-z_]+)+\b"  # dotted paths: facility_bond.longevity, params.yaml
    r"|\b[\w-]+\.ya?ml\b"  # file names of parameter files
    r"|\b(?:True|False|None)\b"  # raw Python values
    r"|[{\[]\s*'[^']*'\s*[:,\]]"  # repr of a dict or list: {'method': …}, ['agreement']
)
URL = re.compile(r"https?://[^\s（）()「」、]+")


def leaks(text: str) -> list[str]:
    """Every identifier-like or raw-value fragment of ``text`` (empty when the text reads as Japanese)."""
    return [m.group(0) for m in LEAK.finditer(URL.sub(" ", text))]


# ----- the scanner of whole pages and downloads (issue 15: nothing internal reaches a Japanese screen) -------

# Words of the engines that are leaks even alone (no underscore): role and kind codes, English-only labels.
BARE_CODES = re.compile(r"(?<![A-Za-z0-9_./:-])(?:central|neighbor|neighbour|member|gap|agreement|flat|annuity|"
                        r"optimal|infeasible|weak|confirmed|recalled|scenario|measure)"
                        r"(?![A-Za-z0-9_/-])")
# Internal references: a region's ID (renkei-kagoshima), a file of the project's notes (…_75a76e44.txt, seed:),
# a confidence code of a rule table (C-web, unknown).
INTERNAL = re.compile(r"(?<![\w./@-])[a-z]+(?:-[a-z]+)+(?![\w./-])|\b[\w-]+\.txt\b|\bseed:|\bC-web\b|\bunknown\b"
                      r"|（(?!km）|kouiki）)[a-z]+）")  # a code beside its Japanese word: 需要（demand）
REPR = re.compile(r"\[\]|\{\}|Decimal\(|datetime\.")
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")
UTC = re.compile(r"\bUTC\b|\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|\+00:00)")
DOMAIN = re.compile(r"(?<![\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:jp|com|net|org|wikipedia)(?:/[^\s（）()「」、]*)?")


def scan(text: str) -> list[str]:
    """Every fragment of ``text`` a Japanese reader must not meet: :func:`leaks` (identifiers, parameter paths,
    Python values), role/kind codes alone, empty reprs, ISO dates where 和暦 is the rule, UTC times."""
    text = DOMAIN.sub(" ", URL.sub(" ", text))  # web addresses of citations are not identifiers
    found = leaks(text)
    for pattern in (BARE_CODES, INTERNAL, REPR, ISO_DATE, UTC):
        found.extend(m.group(0) for m in pattern.finditer(text))
    return found


def in_context(text: str, found: list[str], width: int = 50) -> list[str]:
    """Each distinct finding with the text around it (for an assertion message a person can act on)."""
    out = []
    for f in dict.fromkeys(found):
        i = text.find(f)
        out.append(text[max(0, i - width): i + len(f) + width].replace("\n", " "))
    return out


class _Visible(HTMLParser):
    """The text a person reads in a page, and its links. Left out: scripts, styles, the YAML editors
    (``<textarea>``), ``<template>``, ``hidden`` elements, and ``<code>`` (deliberately technical: the ID column
    of 規則パラメータ 「ID（設定ファイル用）」, the audit log's stored record). Attributes (ids, classes, hrefs,
    input values) are not read text."""

    SKIP = frozenset({"script", "style", "textarea", "template", "code"})
    VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag in self.VOID:
            return
        self._stack.append((tag, tag in self.SKIP or "hidden" in a))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def visible(html: str) -> tuple[str, list[str]]:
    """(the text a person reads in ``html``, the hrefs of its links)."""
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts), parser.links
