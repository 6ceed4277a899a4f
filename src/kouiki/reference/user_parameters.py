"""Where the user's parameter files are (``<data folder>/parameters/*.yaml``): the surface says so, engines ask here.

An engine never looks for the user's data folder itself (``kouiki.settings`` is above the engines, issue 17): the
surface that runs it — the CLI, the web app — registers at start-up the function that names the folder, and the
engines' parameter loaders (``kouiki.fiscal.params.current``) call :func:`user_parameters_dir`. With nothing
registered (an engine used as a library) there are no user files: only the packaged, cited parameters apply.
A registered function is called each time, so a folder created or changed later is seen, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

_provider: list[Callable[[], Path | None]] = []


def register_user_parameters(provider: Callable[[], Path | None] | None) -> None:
    """Set (or, with None, clear) the function that names the user's parameter folder."""
    _provider.clear()
    if provider is not None:
        _provider.append(provider)


def user_parameters_dir() -> Path | None:
    """The user's parameter folder as the surface named it, or None when no surface registered one."""
    return _provider[0]() if _provider else None
