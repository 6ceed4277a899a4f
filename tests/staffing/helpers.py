"""Small staffing cases for tests (codes are real: 青森県 and 弘前圏域 members)."""

from __future__ import annotations

import copy
from typing import Any

PREF = "020001"  # 青森県
HIROSAKI = "022021"
OWANI = "023621"  # 大鰐町
NISHIMEYA = "023434"  # 西目屋村
AOMORI_CITY = "022012"  # 青森市: 中核市・県庁所在地

BASE: dict[str, Any] = {
    "title": "test",
    "years": {"from": 2025, "to": 2026},
    "agreements": [
        {
            "id": "K1",
            "name": "協約",
            "parties": [PREF, OWANI, NISHIMEYA, HIROSAKI],
            "basic_policy": "方針",
            "role_split": "分担",
            "expertise": ["保健師", "土木"],
            "concluded_on": "2025-03-31",
            "council_votes": {PREF: "2025-03-10", OWANI: "2025-03-10", NISHIMEYA: "2025-03-10", HIROSAKI: "2025-03-10"},
        }
    ],
    "posts": [
        {
            "id": "P1",
            "employer": PREF,
            "type": "保健師",
            "employment": "任期付",
            "salary_yen": 6_000_001,
            "recruiting_cost_yen": 1_000_001,
            "start_year": 2025,
        }
    ],
    "secondments": [
        {"post": "P1", "receiver": OWANI, "share": "0.6", "from_year": 2025, "to_year": 2026, "contribution_rate": "0.5"},
        {"post": "P1", "receiver": NISHIMEYA, "share": "0.3", "from_year": 2025, "to_year": 2026},
    ],
}


def case_dict(**changes: Any) -> dict[str, Any]:
    """A deep copy of BASE with top-level keys replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return data
