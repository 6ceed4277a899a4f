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
