"""Web app fixtures: a store with one user per role, and logged-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from kouiki.store import session
from kouiki.store.users import create_user
from kouiki.web import create_app

PASSWORD = "correct-horse-battery"
HIROSAKI = "022021"  # 弘前市 (中心市 of 弘前圏域)
KUROISHI = "022047"  # 黒石市 (弘前圏域)
KAWANISHI = "293636"  # 奈良県川西町 (大和まほろば)

USERS = {
    "admin": {"role": "admin"},
    "region": {"role": "region", "region_id": "hirosaki"},
    "body": {"role": "body", "body_code": HIROSAKI},
    "other_body": {"role": "body", "body_code": KUROISHI},
    "viewer": {"role": "viewer"},
}


@dataclass
class Logged:
    client: TestClient
    csrf: str

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


@pytest.fixture
def app_users() -> None:
    with session() as s:
        for name, spec in USERS.items():
            create_user(s, username=name, password=PASSWORD, by="test", **spec)  # type: ignore[arg-type]


@pytest.fixture
def anon(app_users: None) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def login(app_users: None) -> Iterator[Callable[[str], Logged]]:
    clients: list[TestClient] = []

    def _login(username: str) -> Logged:
        c = TestClient(create_app())
        clients.append(c)
        r = c.post("/api/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return Logged(c, r.json()["csrf_token"])

    yield _login
    for c in clients:
        c.close()


def template_csv(rows: list[tuple[str, str, str, str, str]], encoding: str = "cp932") -> bytes:
    """A kouiki-template inventory: (施設ID, 団体コード, 施設名, 大分類, 延床面積)."""
    lines = ["施設ID,団体コード,施設名,大分類,延床面積,建築年度,緯度,経度"]
    for fid, code, name, cat, area in rows:
        lines.append(f"{fid},{code},{name},{cat},{area},1985,40.60,140.46")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
