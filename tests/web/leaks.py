"""The detector of English identifiers and raw Python values in text a person reads (issue 15).

``leaks(text)`` lists every snake_case identifier (``comprehensive_neighbor``), dotted parameter path
(``facility_bond.longevity.bond_rate``), internal file name (``comprehensive_central.yaml``), raw boolean or
``None`` (``True``, ``False``, ``None``) and Python mapping/list repr (``{'method': 'flat'}``, ``['agreement']``)
in ``text``. Web addresses (citations' URLs) are left out; words people do read in Japanese screens (JSON, Excel, PDF, km, R7 …) are not identifiers.
"""

from __future__ import annotations

import re

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
