"""管理者 pages: the audit log (who, when, what, before → after) and users (register, edit, 利用停止, password
reset); and every user's own account page (change one's password)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kouiki.reference.errors import KouikiError
from kouiki.store.audit import action_label, entity_label, recent
from kouiki.store.regions import ConflictError, list_regions
from kouiki.store.users import (
    UserRole,
    UserRow,
    change_own_password,
    create_user,
    get_user,
    get_user_by_id,
    list_users,
    set_active,
    set_password,
    update_user,
)
from kouiki.web.auth import COOKIE, Viewer, check_csrf
from kouiki.web.deps import DB, A, V
from kouiki.web.render import render

router = APIRouter()



def _audit(s: Session, limit: int) -> list[dict[str, Any]]:
    return [{"id": e.id, "at": e.at.isoformat(timespec="seconds") + "Z", "user": e.user, "action": e.action,
             "action_label": action_label(e.action), "entity": e.entity, "entity_label": entity_label(e.entity),
             "entity_id": e.entity_id, "before": e.before, "after": e.after}
            for e in recent(s, limit)]


@router.get("/api/audit", tags=["admin"], summary="監査ログ（管理者）")
def api_audit(s: DB, viewer: A, limit: int = 200) -> dict[str, Any]:
    return {"entries": _audit(s, min(max(limit, 1), 2000))}


@router.get("/admin/audit", include_in_schema=False)
def audit_page(request: Request, s: DB, viewer: A) -> Response:
    entries = _audit(s, 300)
    for e in entries:
        for k in ("before", "after"):
            e[k + "_text"] = "" if e[k] is None else json.dumps(e[k], ensure_ascii=False, indent=1)[:4000]
    return render(request, "audit.html", viewer, entries=entries)


class UserWrite(BaseModel):
    username: str
    password: str
    role: UserRole
    display_name: str | None = None
    region_id: str | None = None
    body_code: str | None = None


@router.get("/api/users", tags=["admin"], summary="利用者一覧（管理者）")
def api_users(s: DB, viewer: A) -> dict[str, Any]:
    return {"users": [u.public() for u in list_users(s)]}


@router.post("/api/users", tags=["admin"], status_code=201, summary="利用者の登録（管理者）")
def api_create_user(body: UserWrite, request: Request, s: DB, viewer: A) -> dict[str, Any]:
    check_csrf(viewer, request)
    return create_user(s, by=viewer.username, **body.model_dump()).public()


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, s: DB, viewer: A) -> Response:
    return render(request, "users.html", viewer, users=list_users(s), roles=list(UserRole),
                  regions=list_regions(s), error=None)


@router.post("/admin/users", include_in_schema=False)
def users_create(
    request: Request, s: DB, viewer: A, username: Annotated[str, Form()], password: Annotated[str, Form()],
    role: Annotated[str, Form()], display_name: Annotated[str, Form()] = "",
    region_id: Annotated[str, Form()] = "", body_code: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    try:
        create_user(s, username=username, password=password, role=role, by=viewer.username,
                    display_name=display_name or None, region_id=region_id or None, body_code=body_code or None)
    except (KouikiError, ValueError) as exc:  # a taken user name (DuplicateError): 409 at its field, as from the API
        typed = {"username": username, "display_name": display_name, "role": role, "region_id": region_id,
                 "body_code": body_code}  # shown again (never the password)
        return render(request, "users.html", viewer, status_code=409 if isinstance(exc, ConflictError) else 400,
                      users=list_users(s), roles=list(UserRole), regions=list_regions(s), error=str(exc),
                      field=getattr(exc, "field", None), form=typed)
    return RedirectResponse("/admin/users", status_code=303)


# ----- edit one user (管理者) -------------------------------------------------------------------------------

class UserEdit(BaseModel):
    display_name: str
    role: UserRole
    region_id: str | None = None
    body_code: str | None = None
    active: bool | None = None  # None: unchanged; False: 利用停止 (sessions end); True: 再開
    version: int | None = None  # the version the edit started from (optimistic locking)


class PasswordReset(BaseModel):
    password: str


def _edit_page(request: Request, s: Session, viewer: Viewer, user: UserRow, *, status: int = 200,
               error: str | None = None, form: dict[str, Any] | None = None) -> Response:
    return render(request, "user_edit.html", viewer, status_code=status, user=user, roles=list(UserRole),
                  regions=list_regions(s), error=error, form=form or user.public())


@router.get("/api/users/{user_id}", tags=["admin"], summary="利用者（管理者）")
def api_user(user_id: int, s: DB, viewer: A) -> dict[str, Any]:
    return get_user_by_id(s, user_id).public()


@router.put("/api/users/{user_id}", tags=["admin"], summary="利用者の編集・利用停止・再開（管理者、版を指定）")
def api_update_user(user_id: int, body: UserEdit, request: Request, s: DB, viewer: A) -> dict[str, Any]:
    check_csrf(viewer, request)
    user = update_user(s, user_id, by=viewer.username, display_name=body.display_name, role=body.role,
                       region_id=body.region_id, body_code=body.body_code, expected_version=body.version)
    if body.active is not None:
        user = set_active(s, user_id, body.active, by=viewer.username)
    return user.public()


@router.post("/api/users/{user_id}/password", tags=["admin"], summary="パスワードの再設定（管理者。その利用者のログインは終了）")
def api_reset_password(user_id: int, body: PasswordReset, request: Request, s: DB, viewer: A) -> dict[str, Any]:
    check_csrf(viewer, request)
    user = get_user_by_id(s, user_id)
    set_password(s, user.username, body.password, viewer.username)
    return {"status": "ok", "username": user.username}


@router.get("/admin/users/{user_id}", include_in_schema=False)
def user_edit_page(user_id: int, request: Request, s: DB, viewer: A) -> Response:
    return _edit_page(request, s, viewer, get_user_by_id(s, user_id))


@router.post("/admin/users/{user_id}", include_in_schema=False)
def user_edit_submit(
    user_id: int, request: Request, s: DB, viewer: A, display_name: Annotated[str, Form()],
    role: Annotated[str, Form()], region_id: Annotated[str, Form()] = "", body_code: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    user = get_user_by_id(s, user_id)
    form = {"display_name": display_name, "role": role, "region_id": region_id, "body_code": body_code,
            "version": version}
    try:
        update_user(s, user_id, by=viewer.username, display_name=display_name, role=role,
                    region_id=region_id or None, body_code=body_code or None,
                    expected_version=int(version) if version.isdigit() else None)
    except ConflictError as exc:
        return _edit_page(request, s, viewer, user, status=409, error=str(exc), form=form)
    except (KouikiError, ValueError) as exc:
        return _edit_page(request, s, viewer, user, status=400, error=str(exc), form=form)
    return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)


@router.post("/admin/users/{user_id}/active", include_in_schema=False)
def user_active_submit(
    user_id: int, request: Request, s: DB, viewer: A, active: Annotated[str, Form()],
    version: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    user = get_user_by_id(s, user_id)
    try:
        set_active(s, user_id, active == "1", by=viewer.username,
                   expected_version=int(version) if version.isdigit() else None)
    except ConflictError as exc:
        return _edit_page(request, s, viewer, user, status=409, error=str(exc))
    except KouikiError as exc:
        return _edit_page(request, s, viewer, user, status=400, error=str(exc))
    return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)


@router.post("/admin/users/{user_id}/password", include_in_schema=False)
def user_password_submit(
    user_id: int, request: Request, s: DB, viewer: A, password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    user = get_user_by_id(s, user_id)
    try:
        set_password(s, user.username, password, viewer.username)
    except KouikiError as exc:
        return _edit_page(request, s, viewer, user, status=400, error=str(exc))
    return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)


# ----- own account (every user) -----------------------------------------------------------------------------

class PasswordChange(BaseModel):
    current_password: str
    new_password: str


@router.get("/api/account", tags=["account"], summary="自分のアカウント")
def api_account(s: DB, viewer: V) -> dict[str, Any]:
    return get_user(s, viewer.username).public()


@router.post("/api/account/password", tags=["account"], summary="自分のパスワードの変更（他のログインは終了）")
def api_account_password(body: PasswordChange, request: Request, s: DB, viewer: V) -> dict[str, str]:
    check_csrf(viewer, request)
    change_own_password(s, viewer.username, body.current_password, body.new_password, request.cookies.get(COOKIE))
    return {"status": "ok"}


@router.get("/account", include_in_schema=False)
def account_page(request: Request, s: DB, viewer: V, saved: bool = False) -> Response:
    return render(request, "account.html", viewer, user=get_user(s, viewer.username), error=None, saved=saved)


@router.post("/account/password", include_in_schema=False)
def account_password_submit(
    request: Request, s: DB, viewer: V, current_password: Annotated[str, Form()],
    new_password: Annotated[str, Form()], new_password_again: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, request, csrf_token)
    try:
        if new_password != new_password_again:
            raise KouikiError("新しいパスワード（確認）が一致しません")
        change_own_password(s, viewer.username, current_password, new_password, request.cookies.get(COOKIE))
    except KouikiError as exc:
        return render(request, "account.html", viewer, status_code=400, user=get_user(s, viewer.username),
                      error=str(exc), saved=False)
    return RedirectResponse("/account?saved=true", status_code=303)
