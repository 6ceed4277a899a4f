"""Who is asking and what they may do: login sessions (cookie), CSRF, and the role rules of the web app.

- Every page and ``/api`` route needs a login; API calls without one get 401, pages redirect to /login.
- Every write needs the session's CSRF token: the ``csrf_token`` form field or the ``X-CSRF-Token`` header
  (the cookie is also ``SameSite=Strict``). A missing/wrong token is 403.
- Permissions (who edits what) are decided here only, from the user's role, region and body.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response
from sqlalchemy.orm import Session

from kouiki.reference.errors import KouikiError
from kouiki.reference.regions import Region
from kouiki.store.users import AuthError, SessionRow, UserRole, UserRow, authenticate, resolve_session

COOKIE = "kouiki_session"


def session_lifetime() -> dt.timedelta:
    """How long a login lasts: ``KOUIKI_SESSION_HOURS`` (default 8 hours, one working day)."""
    return dt.timedelta(hours=float(os.environ.get("KOUIKI_SESSION_HOURS", "8")))


@dataclass(frozen=True)
class Viewer:
    """The logged-in user of one request (a detached snapshot: safe outside the DB session)."""

    username: str
    display_name: str
    role: UserRole
    region_id: str | None
    body_code: str | None
    csrf_token: str

    @classmethod
    def of(cls, user: UserRow, sess: SessionRow) -> Viewer:
        return cls(user.username, user.display_name, user.user_role, user.region_id, user.body_code,
                   sess.csrf_token)

    @property
    def is_admin(self) -> bool:
        return self.role is UserRole.ADMIN

    def can_edit_region(self, region_id: str) -> bool:
        return self.is_admin or (self.role is UserRole.REGION and self.region_id == region_id)

    def can_edit_body(self, code: str, regions_of_body: list[Region]) -> bool:
        """団体担当: only its own body; 圏域担当: members of its region; 管理者: all."""
        if self.is_admin:
            return True
        if self.role is UserRole.BODY:
            return self.body_code == code
        if self.role is UserRole.REGION:
            return any(r.id == self.region_id for r in regions_of_body)
        return False

    def public(self) -> dict[str, object]:
        return {"username": self.username, "display_name": self.display_name, "role": self.role.value,
                "role_label": self.role.label, "region_id": self.region_id, "body_code": self.body_code}


class LoginRequired(Exception):
    """Raised by page routes; the app turns it into a redirect to /login (API routes answer 401)."""


def viewer_from_request(s: Session, request: Request) -> Viewer | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    found = resolve_session(s, token)
    return None if found is None else Viewer.of(*found)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/export/")


def require_viewer(s: Session, request: Request) -> Viewer:
    viewer = viewer_from_request(s, request)
    if viewer is None:
        if is_api(request):
            raise HTTPException(status_code=401, detail="ログインが必要です (login required)")
        raise LoginRequired()
    return viewer


def set_login_cookie(response: Response, token: str, request: Request) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        max_age=int(session_lifetime().total_seconds()), path="/")


def check_csrf(viewer: Viewer, request: Request, form_token: str | None = None) -> None:
    sent = form_token or request.headers.get("x-csrf-token") or ""
    if not hmac.compare_digest(sent.encode(), viewer.csrf_token.encode()):
        raise HTTPException(status_code=403, detail="CSRF トークンが一致しません。ページを再読み込みしてください")


def forbid(message: str) -> HTTPException:
    return HTTPException(status_code=403, detail=message)


class LoginThrottled(KouikiError):
    """Too many failed logins for this user name or from this address: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(f"ログインの失敗が続いたため、しばらくログインできません。約{minutes}分後にやり直してください"
                         "（パスワードを忘れた場合は管理者に再設定を依頼してください）")
        self.retry_after = retry_after


def client_address(request: Request) -> str:
    """The client's address (behind a trusted proxy: the one it forwarded, see ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


def login_user(s: Session, request: Request, username: str, password: str) -> UserRow:
    """Check the login limits, then the password. A failure is counted and audited in its own transaction, so it
    is kept even though the request then fails; a success clears the user's failures.

    Raises :class:`LoginThrottled` (429) or :class:`~kouiki.store.users.AuthError` (401)."""
    from kouiki.store import session as store_session
    from kouiki.store.audit import record
    from kouiki.store.login_throttle import address_key, clear, note_failure, seconds_to_wait, user_key
    from kouiki.web import limits

    address = client_address(request)
    window = limits.login_window()
    wait = max(seconds_to_wait(s, user_key(username), limits.login_max_failures(), window),
               seconds_to_wait(s, address_key(address), limits.login_max_failures_per_address(), window))
    if wait:
        raise LoginThrottled(wait)
    try:
        user = authenticate(s, username, password)
    except AuthError:
        with store_session() as other:
            note_failure(other, [user_key(username), address_key(address)], window)
            record(other, user=username[:100], action="login_failed", entity="user", entity_id=username[:200],
                   before=None, after={"address": address})
        raise
    clear(s, user_key(user.username))
    return user
