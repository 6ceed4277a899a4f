"""Users, roles and login sessions of the web app (利用者・権限・ログインセッション).

Passwords are stored as argon2id hashes (``argon2-cffi``); session tokens are random and only their
SHA-256 digest is stored, so a copy of the database does not let anyone log in. Every change to a user
is written to the audit log.

Roles (権限):

- ``admin``  管理者 — everything, including users and the audit log.
- ``region`` 圏域担当 — edits its region (``region_id``): the region, its scenarios, its members' facilities.
- ``body``   団体担当 — edits only its own body's data (``body_code``): that body's facilities.
- ``viewer`` 閲覧者 — reads only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kouiki.reference import codes
from kouiki.reference.errors import KouikiError
from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow


class UserRole(StrEnum):
    ADMIN = "admin"  # 管理者
    REGION = "region"  # 圏域担当
    BODY = "body"  # 団体担当
    VIEWER = "viewer"  # 閲覧者

    @property
    def label(self) -> str:
        return {"admin": "管理者", "region": "圏域担当", "body": "団体担当", "viewer": "閲覧者"}[self.value]


class UserRow(Base):
    __tablename__ = "web_user"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 圏域担当: its region
    body_code: Mapped[str | None] = mapped_column(String(6), nullable=True)  # 団体担当: its body
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def user_role(self) -> UserRole:
        return UserRole(self.role)

    def public(self) -> dict[str, object]:
        return {"username": self.username, "display_name": self.display_name, "role": self.role,
                "role_label": self.user_role.label, "region_id": self.region_id, "body_code": self.body_code,
                "active": self.active}


class SessionRow(Base):
    __tablename__ = "web_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


_hasher = PasswordHasher()


class AuthError(KouikiError):
    """Wrong user name or password, or an expired session."""


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise KouikiError("パスワードは8文字以上にしてください (password too short)")
    return _hasher.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    s: Session, *, username: str, password: str, role: UserRole | str, by: str,
    display_name: str | None = None, region_id: str | None = None, body_code: str | None = None,
) -> UserRow:
    """Create a user (or raise when the name is taken or the role lacks its region/body)."""
    role = UserRole(role)
    if s.scalar(select(UserRow).where(UserRow.username == username)) is not None:
        raise KouikiError(f"利用者名「{username}」は既に使われています")
    if role is UserRole.REGION and not region_id:
        raise KouikiError("圏域担当には担当する圏域（region_id）が必要です")
    if role is UserRole.BODY and not body_code:
        raise KouikiError("団体担当には担当する団体コード（body_code）が必要です")
    user = UserRow(
        username=username, display_name=display_name or username, password_hash=hash_password(password),
        role=role.value, region_id=region_id if role is UserRole.REGION else None,
        body_code=codes.normalize(body_code) if role is UserRole.BODY and body_code else None,
    )
    s.add(user)
    s.flush()
    record(s, user=by, action="insert", entity="user", entity_id=username, before=None, after=user.public())
    return user


def set_password(s: Session, username: str, password: str, by: str) -> None:
    user = get_user(s, username)
    user.password_hash = hash_password(password)
    record(s, user=by, action="update", entity="user", entity_id=username,
           before={"password": "（変更前）"}, after={"password": "（変更しました）"})
    s.execute(delete(SessionRow).where(SessionRow.user_id == user.id))


def get_user(s: Session, username: str) -> UserRow:
    user = s.scalar(select(UserRow).where(UserRow.username == username))
    if user is None:
        raise KouikiError(f"利用者「{username}」は登録されていません")
    return user


def list_users(s: Session) -> list[UserRow]:
    return list(s.scalars(select(UserRow).order_by(UserRow.id)))


def authenticate(s: Session, username: str, password: str) -> UserRow:
    """The user when the password matches (rehashing old parameters), else :class:`AuthError`."""
    user = s.scalar(select(UserRow).where(UserRow.username == username))
    if user is None or not user.active:
        _hasher.hash(password)  # same work either way: no timing hint that the name exists
        raise AuthError("利用者名またはパスワードが違います")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise AuthError("利用者名またはパスワードが違います") from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def open_session(s: Session, user: UserRow, lifetime: dt.timedelta) -> tuple[str, str]:
    """Start a login session; return (token for the cookie, CSRF token). Old expired sessions are purged."""
    now = utcnow()
    s.execute(delete(SessionRow).where(SessionRow.expires_at < now))
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    s.add(SessionRow(token_hash=_digest(token), user_id=user.id, csrf_token=csrf, expires_at=now + lifetime))
    record(s, user=user.username, action="login", entity="user", entity_id=user.username, before=None, after=None)
    return token, csrf


def resolve_session(s: Session, token: str) -> tuple[UserRow, SessionRow] | None:
    """The user and session of a cookie token, or None when unknown or expired."""
    found = s.execute(select(UserRow, SessionRow).join(SessionRow, SessionRow.user_id == UserRow.id)
                      .where(SessionRow.token_hash == _digest(token))).first()  # one query per request
    if found is None:
        return None
    user, row = found
    if row.expires_at <= utcnow() or not user.active:
        return None
    return user, row


def close_session(s: Session, token: str) -> None:
    s.execute(delete(SessionRow).where(SessionRow.token_hash == _digest(token)))
