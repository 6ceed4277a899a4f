"""The fiscal plan (財政措置の計画) a region keeps in the web app: one document per region, versioned.

The document is the fiscal engine's plan (``{"items": [...]}``, see docs/fiscal.md) plus the what-if
overrides the users last used; saving with a stale version raises ConflictError; every save is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kouiki.store.base import Base
from kouiki.store.region_documents import RegionDocumentColumns, save_region_document


class FiscalPlanRow(RegionDocumentColumns, Base):
    __tablename__ = "fiscal_plan"


def get_plan(s: Session, region_id: str) -> FiscalPlanRow | None:
    return s.get(FiscalPlanRow, region_id)


def save_plan(s: Session, region_id: str, document: dict[str, Any], *, user: str, expected_version: int | None) -> int:
    """Insert (``expected_version`` None or 0) or update; returns the new version (see store.region_documents)."""
    return save_region_document(s, FiscalPlanRow, region_id, document, user=user, expected_version=expected_version,
                                entity="fiscal_plan", what="財政計画")
