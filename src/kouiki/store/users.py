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
from kouiki.reference.errors import KouikiError, NotFoundError
from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow
from kouiki.store.login_throttle import clear as clear_failures
from kouiki.store.login_throttle import user_key
from kouiki.store.regions import ConflictError, DuplicateError, flush_or_conflict


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
    # 0803_web_users_admin: edits by 管理者 are version-locked; when the password last changed
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    @property
    def user_role(self) -> UserRole:
        return UserRole(self.role)

    def public(self) -> dict[str, object]:
        return {"id": self.id, "username": self.username, "display_name": self.display_name, "role": self.role,
                "role_label": self.user_role.label, "region_id": self.region_id, "body_code": self.body_code,
                "active": self.active, "version": self.version}


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


class WeakPasswordError(KouikiError):
    """A password too short or too easy to guess (zxcvbn score below :data:`MIN_PASSWORD_SCORE`)."""


_SITE_WORDS = ("kouiki", "kouikirenkei", "teijujiritsuken", "teiju", "jiritsu", "soumu", "shiyakusho", "yakuba",
               "kikakuka", "zaiseika")  # words of this application an attacker tries first
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 = "safely unguessable" (about 10^10 guesses), 4 = very strong
_PATTERN_REASONS = {
    "dictionary": "よく使われる語・名前",
    "spatial": "キーボードの並び（qwerty など）",
    "repeat": "同じ文字や語の繰り返し",
    "sequence": "連続した文字（1234、abcd など）",
    "regex": "年などの数字",
    "date": "日付",
}


def check_password(password: str, *, username: str = "", display_name: str = "") -> None:
    """Refuse a short, common or easily guessed password, with the reason in Japanese.

    Uses zxcvbn (a dictionary of common passwords, words and names, keyboard patterns, sequences, dates) with the
    user's own name and display name as extra words; kouiki's demo passwords are random and always pass."""
    if len(password) < 8:
        raise WeakPasswordError("パスワードは8文字以上にしてください (password too short)")
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # no stubs published

    words = [x for x in (username, display_name) if x] + list(_SITE_WORDS)
    result = zxcvbn(password[:100], user_inputs=words)
    if int(result["score"]) >= MIN_PASSWORD_SCORE:
        return
    lowered = password.lower()
    reasons = []
    if username and username.lower() in lowered:
        reasons.append("利用者名を含んでいます")
    for part in result.get("sequence", []):
        label = _PATTERN_REASONS.get(str(part.get("pattern")))
        if label and label not in reasons:
            reasons.append(label)
    why = "（" + "、".join(reasons) + "）" if reasons else ""
    raise WeakPasswordError(
        f"このパスワードは推測されやすいため使えません{why}。語を3つ以上つなげる、記号や数字を混ぜるなどして、"
        "より長く推測されにくいものにしてください (password too weak)"
    )


def hash_password(password: str, *, username: str = "", display_name: str = "") -> str:
    check_password(password, username=username, display_name=display_name)
    return _hasher.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    s: Session, *, username: str, password: str, role: UserRole | str, by: str,
    display_name: str | None = None, region_id: str | None = None, body_code: str | None = None,
) -> UserRow:
    """Create a user (or raise when the name is taken or the role lacks its region/body)."""
    role = UserRole(role)
    taken = _username_taken(s, username)
    if taken is not None:
        raise taken
    if role is UserRole.REGION and not region_id:
        raise KouikiError("圏域担当には担当する圏域（region_id）が必要です")
    if role is UserRole.BODY and not body_code:
        raise KouikiError("団体担当には担当する団体コード（body_code）が必要です")
    user = UserRow(
        username=username, display_name=display_name or username,
        password_hash=hash_password(password, username=username, display_name=display_name or ""),
        role=role.value, region_id=region_id if role is UserRole.REGION else None,
        body_code=codes.normalize(body_code) if role is UserRole.BODY and body_code else None,
    )
    s.add(user)
    flush_or_conflict(s, f"利用者「{username}」", lambda fresh: None, lambda fresh: _username_taken(fresh, username))
    record(s, user=by, action="insert", entity="user", entity_id=username, before=None, after=user.public())
    return user


def _username_taken(s: Session, username: str) -> DuplicateError | None:
    """The error for a user name already stored (one login per name), ``None`` when it is free."""
    if s.scalar(select(UserRow.id).where(UserRow.username == username)) is None:
        return None
    return DuplicateError(f"利用者名「{username}」は既に使われています。別の利用者名にしてください (duplicate user name)",
                          field="username")


def set_password(s: Session, username: str, password: str, by: str) -> None:
    """Set a password (管理者 reset or CLI): every session of the user ends and a login lock on the name is lifted.
    The hash is never audited."""
    user = get_user(s, username)
    _store_password(user, password)
    record(s, user=by, action="update", entity="user", entity_id=username,
           before={"password": "（変更前）"}, after={"password": "（変更しました）"})
    s.execute(delete(SessionRow).where(SessionRow.user_id == user.id))
    clear_failures(s, user_key(username))  # a reset also lifts a login lock on the name


def _store_password(user: UserRow, password: str) -> None:
    user.password_hash = hash_password(password, username=user.username, display_name=user.display_name)
    user.password_changed_at = utcnow()
    user.version = (user.version or 1) + 1


def change_own_password(s: Session, username: str, current: str, new: str, keep_token: str | None) -> None:
    """A user changes their own password: the current one must match; every other session of theirs ends
    (the one in ``keep_token`` stays logged in)."""
    user = get_user(s, username)
    try:
        _hasher.verify(user.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise KouikiError("現在のパスワードが違います (current password does not match)") from None
    if current == new:
        raise KouikiError("新しいパスワードが現在のものと同じです")
    _store_password(user, new)
    record(s, user=username, action="update", entity="user", entity_id=username,
           before={"password": "（変更前）"}, after={"password": "（本人が変更しました）"})
    other = delete(SessionRow).where(SessionRow.user_id == user.id)
    if keep_token:
        other = other.where(SessionRow.token_hash != _digest(keep_token))
    s.execute(other)


def get_user_by_id(s: Session, user_id: int) -> UserRow:
    user = s.get(UserRow, user_id)
    if user is None:
        raise NotFoundError(f"利用者（id {user_id}）は登録されていません")
    return user


def _active_admins(s: Session) -> int:
    return len(list(s.scalars(select(UserRow.id).where(UserRow.role == UserRole.ADMIN.value,
                                                         UserRow.active.is_(True)))))


def _check_version(user: UserRow, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != user.version:
        raise ConflictError(
            f"利用者「{user.username}」は他の管理者が更新しました（現在の版 {user.version}、編集開始時の版 "
            f"{expected_version}）。再読み込みしてからやり直してください (edited by someone else)"
        )


def update_user(
    s: Session, user_id: int, *, by: str, display_name: str, role: UserRole | str,
    region_id: str | None = None, body_code: str | None = None, expected_version: int | None = None,
) -> UserRow:
    """管理者 edits a user's display name, role and region/body. The last active 管理者 cannot be demoted."""
    user = get_user_by_id(s, user_id)
    _check_version(user, expected_version)
    try:
        new_role = UserRole(role)
    except ValueError:
        raise KouikiError(f"権限 {role!r} はありません（admin / region / body / viewer）") from None
    display_name = display_name.strip()
    if not display_name:
        raise KouikiError("表示名（display_name）を入力してください")
    if new_role is UserRole.REGION and not region_id:
        raise KouikiError("圏域担当には担当する圏域（region_id）が必要です")
    if new_role is UserRole.BODY and not body_code:
        raise KouikiError("団体担当には担当する団体コード（body_code）が必要です")
    if user.role == UserRole.ADMIN.value and new_role is not UserRole.ADMIN and user.active and _active_admins(s) <= 1:
        raise KouikiError("最後の有効な管理者の権限は変更できません（先に別の管理者を登録してください）")
    before = user.public()
    user.display_name = display_name
    user.role = new_role.value
    user.region_id = region_id if new_role is UserRole.REGION else None
    user.body_code = codes.normalize(body_code) if new_role is UserRole.BODY and body_code else None
    user.version = (user.version or 1) + 1
    s.flush()
    record(s, user=by, action="update", entity="user", entity_id=user.username, before=before, after=user.public())
    return user


def set_active(s: Session, user_id: int, active: bool, *, by: str, expected_version: int | None = None) -> UserRow:
    """Deactivate (利用停止: login refused, sessions end) or reactivate a user. The last active 管理者 stays."""
    user = get_user_by_id(s, user_id)
    _check_version(user, expected_version)
    if user.active == active:
        return user
    if not active and user.role == UserRole.ADMIN.value and _active_admins(s) <= 1:
        raise KouikiError("最後の有効な管理者は利用停止にできません（先に別の管理者を登録してください）")
    before = user.public()
    user.active = active
    user.version = (user.version or 1) + 1
    if not active:
        s.execute(delete(SessionRow).where(SessionRow.user_id == user.id))
    s.flush()
    record(s, user=by, action="update", entity="user", entity_id=user.username, before=before, after=user.public())
    return user


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
