"""The catalogue of measures: each with its parameters, the value in force, the dated history,
citations and confidence (``kouiki fiscal measures``; the web app renders the same data)."""

from __future__ import annotations

from typing import Any

from kouiki.fiscal.params import ParameterSet, current, worst_confidence
from kouiki.reference.parameters import jsonable as _jsonable


def catalogue(params: ParameterSet | None = None, fiscal_year: int | None = None) -> list[dict[str, Any]]:
    """Every measure (and shared parameter group), with each parameter's value in force in ``fiscal_year``
    (default: the latest dated value) and its full dated history."""
    pset = params or current()
    out: list[dict[str, Any]] = []
    from kouiki.fiscal.plan import MEASURE_FIELDS

    order = {m: i for i, m in enumerate(MEASURE_FIELDS)}
    frameworks = {"定住自立圏": 0, "公共施設": 1, "人材": 2, "連携中枢都市圏": 3}

    def sort_key(kv: tuple[str, Any]) -> tuple[int, int, int, str]:
        mid, info = kv
        return (int(info.shared), frameworks.get(info.framework, 9), order.get(mid, 99), mid)

    for mid, info in sorted(pset.measures.items(), key=sort_key):
        plist: list[dict[str, Any]] = []
        for path, p in pset.params.items():
            if not path.startswith(mid + "."):
                continue
            now = p.at(fiscal_year) if fiscal_year is not None else p.values[-1]
            plist.append(
                {
                    "path": path,
                    "label": p.label,
                    "unit": p.unit,
                    "description": p.description,
                    "current": None if now is None else now.to_dict(),
                    "values": [v.to_dict() for v in p.values],
                    "known_end": None
                    if p.known_end is None
                    else {"year": p.known_end.year, "confidence": p.known_end.confidence, "note": p.known_end.note},
                    "user_supplied": any(v.origin == "user" for v in p.values),
                }
            )
        confs = [pp["current"]["confidence"] for pp in plist if pp["current"]]
        starts = [pp["values"][0]["year"] for pp in plist if pp["path"].endswith(".in_force")]
        out.append(
            {
                "measure": mid,
                "label": info.label,
                "framework": info.framework,
                "kinds": list(info.kinds),
                "shared": info.shared,
                "description": info.description,
                "rounding": info.rounding.value.label,
                "since": min(starts) if starts else None,
                "confidence": worst_confidence(confs),
                "file": info.file,
                "parameters": plist,
            }
        )
    return out


_ = _jsonable
