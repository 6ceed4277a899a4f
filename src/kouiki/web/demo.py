"""Demo data and logins for ``kouiki serve --demo``: one login per role, printed at start.

Passwords are random for every start (``KOUIKI_DEMO_PASSWORD`` fixes one for all demo users), so a demo
left running on a shared network is not open to anyone who read the README.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouiki.reference.municipalities import registry
from kouiki.store.regions import get_region
from kouiki.store.users import UserRole, UserRow, create_user, set_password


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: UserRole
    scope: str


def _demo_users() -> list[dict[str, Any]]:
    return [
        {"username": "admin", "display_name": "管理者（デモ）", "role": UserRole.ADMIN},
        {"username": "hirosaki", "display_name": "弘前圏域 担当（デモ）", "role": UserRole.REGION, "region": "弘前圏域"},
        {"username": "kuroishi", "display_name": "黒石市 担当（デモ）", "role": UserRole.BODY, "body": "青森県黒石市"},
        {"username": "kawanishi", "display_name": "奈良県川西町 担当（デモ）", "role": UserRole.BODY, "body": "奈良県川西町"},
        {"username": "viewer", "display_name": "閲覧者（デモ）", "role": UserRole.VIEWER},
    ]


def ensure_demo_logins(s: Session) -> list[DemoLogin]:
    """Create (or reset the password of) each demo user; return the logins to print."""
    fixed = os.environ.get("KOUIKI_DEMO_PASSWORD")
    out = []
    for spec in _demo_users():
        password = fixed or secrets.token_urlsafe(9)
        region_id = get_region(s, spec["region"]).id if "region" in spec else None
        body_code = registry().get(spec["body"]).code if "body" in spec else None
        existing = s.scalar(select(UserRow).where(UserRow.username == spec["username"]))
        if existing is None:
            create_user(s, username=spec["username"], password=password, role=spec["role"], by="demo",
                        display_name=spec["display_name"], region_id=region_id, body_code=body_code)
        else:
            set_password(s, spec["username"], password, by="demo")
        scope = spec.get("region") or spec.get("body") or ("すべて" if spec["role"] is UserRole.ADMIN else "閲覧のみ")
        out.append(DemoLogin(spec["username"], password, spec["role"], scope))
    return out


def load_demo_data(s: Session) -> list[str]:
    """Load the demo inventories of the seed regions when the facilities capability provides them."""
    notes: list[str] = []
    try:
        from kouiki.web.demo_facilities import load_demo_inventories
    except ImportError:
        return ["デモ用の施設データは施設計画機能の統合後に読み込まれます"]
    notes.extend(load_demo_inventories(s))
    notes.extend(_demo_scenario(s))
    return notes


def _demo_scenario(s: Session) -> list[str]:
    """One example scenario for 弘前圏域 (two facilities of one 大分類 into one), built from its demo inventory."""
    import yaml

    from kouiki.store.scenarios import create_scenario, list_scenarios
    from kouiki.web import service
    from kouiki.web.regions.views import example_scenario

    if list_scenarios(s, "hirosaki"):
        return []
    doc = yaml.safe_load(example_scenario(s, "hirosaki"))
    if not doc.get("actions"):
        return []
    name = "デモ: 2施設の集約"
    sc = service.validate_scenario(doc, "hirosaki", name)
    create_scenario(s, region_id="hirosaki", name=name, document=service.scenario_document(sc), user="demo")
    return [f"デモ用のシナリオ「{name}」（弘前圏域）を作りました"]
