import pytest
from sqlalchemy import inspect

from kouiki.reference.regions import bundled_regions, find_region
from kouiki.store import engine, session
from kouiki.store.audit import recent
from kouiki.store.models import metadata
from kouiki.store.regions import ConflictError, get_region, list_regions, regions_of_body, save_region


@pytest.mark.fresh_store  # the real first start, not the per-worker template copy
def test_first_use_creates_the_store_and_loads_the_seed_regions() -> None:
    with session() as s:
        names = {r.display_name for r in list_regions(s)}
    assert {"弘前圏域", "播磨科学公園都市圏域", "大和まほろば"} <= names and len(names) == len(bundled_regions())


@pytest.mark.fresh_store  # the real first start, not the per-worker template copy
def test_migrations_create_every_table_of_the_metadata() -> None:
    with session():
        pass
    tables = set(inspect(engine()).get_table_names())
    assert set(metadata.tables) <= tables


def test_each_capability_branch_has_one_head() -> None:
    """Migrations written in parallel on one branch must be joined (a merge revision), not left as two heads."""
    from alembic.script import ScriptDirectory

    from kouiki.store.db import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = scripts.get_heads()
    branches = {label for rev in scripts.walk_revisions() for label in rev.branch_labels}
    assert len(heads) == len(branches), (sorted(heads), sorted(branches))


def test_regions_of_body_and_audit() -> None:
    with session() as s:
        assert [r.id for r in regions_of_body(s, "29363")] == ["yamato-mahoroba"]
        entries = recent(s)
        assert {e.entity_id for e in entries} >= {"hirosaki"}


def test_optimistic_locking_refuses_a_stale_write() -> None:
    with session() as s:
        region = get_region(s, "弘前圏域")
        v = save_region(s, region.model_copy(update={"notes": ["1"]}), user="a", expected_version=1)
        assert v == 2
    with pytest.raises(ConflictError), session() as s:
        save_region(s, region.model_copy(update={"notes": ["2"]}), user="b", expected_version=1)
    with session() as s:
        assert get_region(s, "弘前圏域").notes == ["1"]


def test_failed_transaction_writes_nothing() -> None:
    region = find_region("弘前圏域")
    with pytest.raises(RuntimeError), session() as s:
        save_region(s, region.model_copy(update={"id": "copy", "name": "コピー圏域"}), user="a")
        raise RuntimeError("boom")
    with session() as s:
        assert "copy" not in {r.id for r in list_regions(s)}


@pytest.mark.parametrize("url", ["postgresql://nobody:secret@127.0.0.1:1/x", "garbage", "foo://x/y"])
def test_an_unreachable_database_is_one_line_with_the_password_hidden(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from kouiki.cli import app

    monkeypatch.setenv("DATABASE_URL", url)
    res = CliRunner().invoke(app, ["regions", "list"])
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.exception
    assert "データベースに接続できません" in res.output
    assert "secret" not in res.output


def test_a_taken_name_or_id_on_create_is_a_duplicate_not_an_edit_conflict() -> None:
    """A unique clash is said as the clash (at its field), never 「他の利用者が更新しました（現在の版 None）」."""
    from kouiki.store.regions import DuplicateError

    with session() as s:
        hirosaki = get_region(s, "hirosaki")
    with pytest.raises(DuplicateError) as same_name, session() as s:
        save_region(s, hirosaki.model_copy(update={"id": "hirosaki-copy"}), user="a", create=True)
    assert same_name.value.field == "name" and f"同じ名前の圏域「{hirosaki.name}」が既にあります" in str(same_name.value)
    with pytest.raises(DuplicateError) as same_id, session() as s:
        save_region(s, hirosaki.model_copy(update={"name": "別名の圏域"}), user="a", create=True)
    assert same_id.value.field == "id" and f"圏域ID「hirosaki」は既に使われています（{hirosaki.name}）" in str(same_id.value)
    with pytest.raises(DuplicateError) as renamed, session() as s:  # an edit to another region's name
        other = get_region(s, "yamato-mahoroba")
        save_region(s, other.model_copy(update={"name": hirosaki.name}), user="a", expected_version=1)
    assert renamed.value.field == "name"
    for exc in (same_name.value, same_id.value, renamed.value):
        assert "None" not in str(exc) and "他の利用者" not in str(exc)
    with session() as s:
        assert {r.id for r in list_regions(s) if r.name == hirosaki.name} == {"hirosaki"}
        assert get_region(s, "yamato-mahoroba").name != hirosaki.name


def test_a_create_that_loses_the_race_on_the_unique_name_still_names_the_clash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check before the save passed (the other save was not committed yet); the INSERT hits the unique index:
    the answer is read from the database after the failed flush (SQLite and PostgreSQL alike)."""
    from kouiki.store import regions as store_regions
    from kouiki.store.regions import DuplicateError

    real = store_regions.region_duplicate
    calls: list[bool] = []

    def late(s: object, region: object, *, create: bool) -> DuplicateError | None:
        calls.append(create)
        return None if len(calls) == 1 else real(s, region, create=create)  # type: ignore[arg-type]

    with session() as s:  # the store is made (and seeded) before the check is patched
        hirosaki = get_region(s, "hirosaki")
    monkeypatch.setattr(store_regions, "region_duplicate", late)
    with pytest.raises(DuplicateError) as race, session() as s:
        save_region(s, hirosaki.model_copy(update={"id": "hirosaki-copy"}), user="a", create=True)
    assert len(calls) == 2 and race.value.field == "name"
    assert f"同じ名前の圏域「{hirosaki.name}」が既にあります" in str(race.value) and "None" not in str(race.value)
    with session() as s:
        assert "hirosaki-copy" not in {r.id for r in list_regions(s)}


def test_a_taken_user_name_is_a_duplicate() -> None:
    from kouiki.store.regions import DuplicateError
    from kouiki.store.users import create_user

    with session() as s:
        create_user(s, username="dup", password="correct-horse-battery", role="viewer", by="test")
    with pytest.raises(DuplicateError) as exc, session() as s:
        create_user(s, username="dup", password="correct-horse-battery", role="viewer", by="test")
    assert exc.value.field == "username" and "利用者名「dup」は既に使われています" in str(exc.value)
