"""管理者 pages: the audit log (who, when, what, before → after) and users."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from kouiki.reference.errors import KouikiError
from kouiki.store.audit import recent
from kouiki.store.regions import list_regions
from kouiki.store.users import UserRole, create_user, list_users
from kouiki.web.app import db, render
from kouiki.web.auth import Viewer, check_csrf, forbid, require_viewer

router = APIRouter()
DB = Annotated[Session, Depends(db, scope="function")]


def admin_dep(request: Request, s: DB) -> Viewer:
    viewer = require_viewer(s, request)
    if not viewer.is_admin:
        raise forbid("この操作は管理者だけができます")
    return viewer


A = Annotated[Viewer, Depends(admin_dep)]


def _audit(s: Session, limit: int) -> list[dict[str, Any]]:
    return [{"id": e.id, "at": e.at.isoformat(timespec="seconds") + "Z", "user": e.user, "action": e.action,
             "entity": e.entity, "entity_id": e.entity_id, "before": e.before, "after": e.after}
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
    except (KouikiError, ValueError) as exc:
        return render(request, "users.html", viewer, status_code=400, users=list_users(s), roles=list(UserRole),
                      regions=list_regions(s), error=str(exc))
    return RedirectResponse("/admin/users", status_code=303)
