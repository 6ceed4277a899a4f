"""Regenerate src/kouiki/reference/data/municipalities/registry.json from the packaged sources.

    PYTHONPATH=src python scripts/build_municipality_registry.py          # rewrite the file
    PYTHONPATH=src python scripts/build_municipality_registry.py --check  # exit 1 when it is out of date

registry.json is what :func:`kouiki.reference.municipalities.build_registry` builds from municipality_master.csv,
prefjp-utf8.csv, code_changes.yaml, kind_overrides.yaml and SSDSE-A-2018, written compactly so that every CLI call
reads it in a few ms (issue 17). Rerun after changing any of those files
(tests/reference/test_municipality_registry_json.py fails until then).
"""

from __future__ import annotations

import sys
from pathlib import Path

from kouiki.reference.municipalities import PREBUILT, build_registry, registry_json

TARGET = Path(__file__).resolve().parent.parent / "src/kouiki/reference/data" / PREBUILT


def main(argv: list[str]) -> int:
    text = registry_json(build_registry())
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
    if "--check" in argv:
        if current != text:
            print(f"{TARGET}: out of date; run scripts/build_municipality_registry.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
