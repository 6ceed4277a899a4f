"""What every route asks of a request, declared once: the database session and who is asking.

Route modules take their parameters from here (``s: DB, viewer: V`` for a read, ``viewer: W`` for an API write
with its ``X-CSRF-Token``, ``viewer: A`` for the 管理者 pages) and render with :func:`kouiki.web.render.render`.
The rules behind them (the session cookie, CSRF, who may edit what) are in :mod:`kouiki.web.auth`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kouiki.store import session as store_session
from kouiki.web.auth import Viewer, check_csrf, forbid, require_viewer


def db() -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on any error.

    Used with ``Depends(db, scope="function")`` so the commit happens before the response is sent: a browser
    that follows the redirect after a login or a save must see the new row.
    """
    with store_session() as s:
        yield s


DB = Annotated[Session, Depends(db, scope="function")]


def viewer_dep(request: Request, s: DB) -> Viewer:
    """The logged-in user: API and export calls without a login get 401, pages redirect to /login."""
    return require_viewer(s, request)


def writer_dep(request: Request, s: DB) -> Viewer:
    """The logged-in user of a write (JSON API): the ``X-CSRF-Token`` header must match the session's (403)."""
    viewer = require_viewer(s, request)
    check_csrf(viewer, request)
    return viewer


def admin_dep(request: Request, s: DB) -> Viewer:
    """The logged-in 管理者 (anyone else: 403)."""
    viewer = require_viewer(s, request)
    if not viewer.is_admin:
        raise forbid("この操作は管理者だけができます")
    return viewer


V = Annotated[Viewer, Depends(viewer_dep)]
W = Annotated[Viewer, Depends(writer_dep)]
A = Annotated[Viewer, Depends(admin_dep)]


def require_region_editor(viewer: Viewer, region_id: str, message: str) -> None:
    """403 with ``message`` (which says what may not be saved) unless the viewer may edit the region: its
    圏域担当 or a 管理者 (the rule itself: :meth:`kouiki.web.auth.Viewer.can_edit_region`)."""
    if not viewer.can_edit_region(region_id):
        raise forbid(message)
