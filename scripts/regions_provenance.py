"""Rewrite the counts block of src/kouiki/reference/data/regions/PROVENANCE.md from the bundled registry.

    PYTHONPATH=src python scripts/regions_provenance.py          # rewrite the block
    PYTHONPATH=src python scripts/regions_provenance.py --check  # exit 1 when the block is out of date

The counts are computed by :mod:`kouiki.reference.regions_provenance` (facts by kind of source, 不明 per fact,
distinct pages); rerun after adding or changing regions (tests/reference/test_regions_provenance.py fails until then).
"""

from __future__ import annotations

import sys
from pathlib import Path

from kouiki.reference.regions_provenance import counts_block, current_block, replace_block

PROVENANCE = Path(__file__).resolve().parent.parent / "src/kouiki/reference/data/regions/PROVENANCE.md"


def main(argv: list[str]) -> int:
    text = PROVENANCE.read_text(encoding="utf-8")
    block = counts_block()
    if "--check" in argv:
        if current_block(text) != block:
            print(f"{PROVENANCE}: the counts block is out of date; run scripts/regions_provenance.py", file=sys.stderr)
            return 1
        return 0
    new = replace_block(text, block)
    if new != text:
        PROVENANCE.write_text(new, encoding="utf-8")
        print(f"rewrote the counts block of {PROVENANCE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
