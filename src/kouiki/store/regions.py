"""Regions registry tables: one row per region (the validated document) plus a member index.

The region is stored as its validated JSON document (the same pydantic model the bundle uses), so the
registry keeps every field — claims, sources, visions — without a table per detail; ``region_member``
indexes members for "which regions is this body in" queries. ``version`` gives optimistic locking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.exc import StaleDataError

from kouiki.reference import codes
from kouiki.reference.errors import KouikiError
from kouiki.reference.regions import Region, find_region
from kouiki.store.audit import record
from kouiki.store.base import Base, utcnow


class ConflictError(KouikiError):
    """Someone else saved the same record since it was read (optimistic locking): HTTP 409 with the current version."""

    def __init__(self, message: str, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class DuplicateError(ConflictError):
    """A new record (or a rename) clashes with a stored one's unique name or ID: HTTP 409, said as the clash
    (「同じ名前の圏域「…」が既にあります」), never as an edit by someone else. ``field`` is the form field it
    belongs to (``name``, ``id``, ``username``)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


CONFLICT_TEXT = "他の利用者が更新しました"


def flush_or_conflict(
    s: Session, what: str, current_version: Callable[[Session], int | None],
    duplicate: Callable[[Session], DuplicateError | None] | None = None,
) -> None:
    """Flush, turning a lost race into :class:`ConflictError` (409) instead of a server error.

    Two saves that both read version N: the first wins, the second's ``UPDATE … WHERE version = N`` matches no row
    (``StaleDataError``); two first saves of one record: the second INSERT hits the primary key
    (``IntegrityError``). ``current_version`` reads the winner's version in a fresh session (this one is spoiled);
    ``duplicate`` looks there for a stored record with the same unique name or ID, which is then the answer.
    """
    try:
        s.flush()
    except (StaleDataError, IntegrityError):
        with Session(s.get_bind()) as fresh:
            clash = duplicate(fresh) if duplicate is not None else None
            current = current_version(fresh)
        if clash is not None:
            raise clash from None
        if current is None:
            raise ConflictError(
                f"{what}は保存できませんでした: 他の利用者が同時に登録または削除しました。"
                "再読み込みしてからやり直してください (changed by someone else)",
            ) from None
        raise ConflictError(
            f"{what}は{CONFLICT_TEXT}（現在の版 {current}）。再読み込みしてからやり直してください (edited by someone else)",
            current_version=current,
        ) from None


class RegionRow(Base):
    __tablename__ = "region"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    framework: Mapped[str] = mapped_column(String(50))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(20), default="bundled")  # bundled / imported / user
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    members: Mapped[list[RegionMemberRow]] = relationship(
        back_populates="region", cascade="all, delete-orphan", lazy="selectin"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict

    def to_model(self) -> Region:
        return Region.model_validate(self.document)


class RegionMemberRow(Base):
    __tablename__ = "region_member"
    region_id: Mapped[str] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(6), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20))
    agreement_date: Mapped[dt.date | None]
    region: Mapped[RegionRow] = relationship(back_populates="members")


def _apply(row: RegionRow, region: Region) -> None:
    row.name = region.name
    row.framework = region.framework.value
    row.document = region.model_dump(mode="json")
    row.members = [
        RegionMemberRow(municipality_code=m.code, role=m.role.value, agreement_date=m.agreement_date)
        for m in region.members
    ]


def list_regions(s: Session) -> list[Region]:
    return [r.to_model() for r in s.scalars(select(RegionRow).order_by(RegionRow.name))]


def get_region(s: Session, query: str) -> Region:
    """By id, name or an unambiguous part of a name (same rules as the bundle)."""
    return find_region(query, list_regions(s))


def region_version(s: Session, region_id: str) -> int | None:
    row = s.get(RegionRow, region_id)
    return None if row is None else row.version


def regions_of_body(s: Session, code: str | int) -> list[Region]:
    code6 = codes.normalize(code)
    q = select(RegionRow).join(RegionMemberRow).where(RegionMemberRow.municipality_code == code6)
    return [r.to_model() for r in s.scalars(q)]


def region_duplicate(s: Session, region: Region, *, create: bool) -> DuplicateError | None:
    """The stored region a save of ``region`` would clash with (one name per region; on ``create`` also the ID),
    as the error to raise; ``None`` when there is none."""
    if create:
        same_id = s.get(RegionRow, region.id)
        if same_id is not None:
            return DuplicateError(f"圏域ID「{region.id}」は既に使われています（{same_id.name}）。別の ID にしてください"
                                  " (duplicate region id)", field="id")
    same_name = s.scalar(select(RegionRow.id).where(RegionRow.name == region.name, RegionRow.id != region.id))
    if same_name is not None:
        return DuplicateError(f"同じ名前の圏域「{region.name}」が既にあります。別の名前にしてください"
                              " (duplicate region name)", field="name")
    return None


def save_region(
    s: Session, region: Region, user: str, expected_version: int | None = None, origin: str = "user",
    *, create: bool = False,
) -> int:
    """Insert or update a region, audit the change, and return its new version.

    ``expected_version`` is the version the user read; if the stored one differs, someone else saved in
    between and :class:`ConflictError` is raised instead of silently overwriting their change. A name another
    region has (or, with ``create``, an ID already stored) raises :class:`DuplicateError` — also when the clash
    comes from a save that raced this one.
    """
    clash = region_duplicate(s, region, create=create)
    if clash is not None:
        raise clash
    row = s.get(RegionRow, region.id)
    before = None if row is None else row.document
    if row is None:
        row = RegionRow(id=region.id, origin=origin)
        _apply(row, region)
        s.add(row)
    else:
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(
                f"圏域「{region.name}」は他の利用者が更新しました（版 {row.version}、編集開始時 {expected_version}）。"
                "再読み込みしてからやり直してください (edited by someone else)", current_version=row.version,
            )
        _apply(row, region)
    flush_or_conflict(s, f"圏域「{region.name}」", lambda fresh: region_version(fresh, region.id),
                      lambda fresh: region_duplicate(fresh, region, create=before is None))
    record(s, user=user, action="insert" if before is None else "update", entity="region",
           entity_id=region.id, before=before, after=row.document)
    old_members = _member_roles(before)
    new_members = _member_roles(row.document)
    if before is not None and old_members != new_members:  # 構成団体の変更: its own entry, easy to find
        record(s, user=user, action="members", entity="region_members", entity_id=region.id,
               before=old_members, after=new_members)
    return row.version


def _member_roles(document: dict[str, Any] | None) -> dict[str, str]:
    return {str(m["code"]): str(m["role"]) for m in (document or {}).get("members", [])}


def delete_region(s: Session, region_id: str, user: str) -> None:
    row = s.get(RegionRow, region_id)
    if row is None:
        raise KouikiError(f"圏域 {region_id} は登録されていません")
    record(s, user=user, action="delete", entity="region", entity_id=region_id, before=row.document, after=None)
    s.delete(row)
