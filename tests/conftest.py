"""Every test runs with its own empty KOUIKI_DATA_DIR, so no test reads or writes a user's data."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "kouiki-data"
    monkeypatch.setenv("KOUIKI_DATA_DIR", str(data))
    if "DATABASE_URL" in __import__("os").environ and not __import__("os").environ.get("KOUIKI_TEST_POSTGRES"):
        monkeypatch.delenv("DATABASE_URL")
    return data
