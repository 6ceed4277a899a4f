"""Failed logins (ログイン失敗) kept in the store, so the limit holds across several server processes.

One row per failed attempt and per key (``user:<name>`` and ``addr:<address>``). When a user or an address has
too many failures within the window, further attempts are refused without checking the password until the
oldest of them leaves the window. A successful login clears that user's failures (not the address's).
The limits are settings of the web app (:mod:`kouiki.web.limits`); this module only counts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.store.base import Base, utcnow


class LoginFailureRow(Base):
    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(250), index=True)  # user:<username> / addr:<client address>
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


def user_key(username: str) -> str:
    return "user:" + username[:200]


def address_key(address: str) -> str:
    return "addr:" + address[:200]


def seconds_to_wait(s: Session, key: str, limit: int, window: dt.timedelta, now: dt.datetime | None = None) -> int:
    """0 when ``key`` may try again; else the seconds until its failures within ``window`` drop below ``limit``."""
    now = now or utcnow()
    since = now - window
    count = s.scalar(select(func.count()).select_from(LoginFailureRow)
                     .where(LoginFailureRow.key == key, LoginFailureRow.at > since)) or 0
    if count < limit:
        return 0
    # the failure whose expiry brings the count back under the limit
    times = list(s.scalars(select(LoginFailureRow.at).where(LoginFailureRow.key == key, LoginFailureRow.at > since)
                           .order_by(LoginFailureRow.at.desc()).limit(limit)))
    free_at = times[-1] + window
    return max(1, int((free_at - now).total_seconds()) + 1)


def note_failure(s: Session, keys: list[str], window: dt.timedelta, now: dt.datetime | None = None) -> None:
    """Record one failed attempt under each key; failures older than the window are purged."""
    now = now or utcnow()
    s.execute(delete(LoginFailureRow).where(LoginFailureRow.at <= now - window))
    s.add_all(LoginFailureRow(key=k, at=now) for k in keys)


def clear(s: Session, key: str) -> None:
    s.execute(delete(LoginFailureRow).where(LoginFailureRow.key == key))
