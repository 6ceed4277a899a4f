"""Where kouiki keeps user data: ``KOUIKI_DATA_DIR`` or a per-user default.

The store (SQLite file), user-supplied parameter files (``parameters/``), imports and caches live under
this one folder, so an officer can back it up or move it by USB. ``DATABASE_URL`` selects another database
(e.g. PostgreSQL) with the same code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def data_dir(create: bool = True) -> Path:
    """The data folder: ``$KOUIKI_DATA_DIR``, else ``%LOCALAPPDATA%\\kouiki`` (Windows) or ``~/.local/share/kouiki``."""
    env = os.environ.get("KOUIKI_DATA_DIR")
    if env:
        path = Path(env).expanduser()
    elif sys.platform == "win32":
        path = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "kouiki"
    else:
        path = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "kouiki"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def user_parameters_dir() -> Path:
    """Folder for user-supplied dated parameter values that overlay the packaged ones."""
    return data_dir() / "parameters"


def database_url() -> str:
    """``$DATABASE_URL`` or the SQLite file ``kouiki.sqlite3`` in the data folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'kouiki.sqlite3'}"
