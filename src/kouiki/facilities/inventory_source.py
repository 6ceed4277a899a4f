"""Where an inventory (施設台帳) comes from: the one parser of inventory references.

A scenario's ``inventory:``, the CLI's INVENTORY argument and the optimiser's ``--inventory`` all say one of:

* ``demo:<圏域>`` — the bundled demo inventory of a region (``demo:弘前圏域``, ``demo:大和まほろば``);
* ``store:<name>`` — an inventory kept in the store (the web's region inventories are ``store:<region id>``);
* a path (relative to the scenario file or the working directory) — any file the importers read;
* a bare name that is not an existing file — a stored inventory's name (the CLI's shorthand for ``store:``).

The engine side never opens the store: :meth:`InventorySource.load` takes a ``store_lookup`` from the surface
that has a store session (CLI, web) and refuses ``store:`` references without one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kouiki.facilities.model import Inventory
from kouiki.reference.errors import KouikiError

DEMO_PREFIX = "demo:"
STORE_PREFIX = "store:"

StoreLookup = Callable[[str], Inventory]


class InventorySourceError(KouikiError, ValueError):
    """An inventory reference that names nothing kouiki can read."""


class SourceKind(StrEnum):
    DEMO = "demo"  # 同梱のデモ台帳
    STORE = "store"  # 保存した台帳
    FILE = "file"  # ファイル


@dataclass(frozen=True)
class InventorySource:
    kind: SourceKind
    value: str  # region name (demo), stored name (store) or the resolved path (file)

    @classmethod
    def parse(cls, ref: str, base_dir: Path | None = None, *, bare_name_is_store: bool = False) -> InventorySource:
        """The source a reference names; paths are taken relative to ``base_dir`` (default: the working directory).

        With ``bare_name_is_store`` a reference that is not an existing file is a stored inventory's name.
        """
        text = ref.strip()
        if not text:
            raise InventorySourceError("施設台帳を指定してください（ファイル、demo:弘前圏域、store:台帳名）")
        if text.startswith(DEMO_PREFIX):
            return cls(SourceKind.DEMO, text[len(DEMO_PREFIX):].strip())
        if text.startswith(STORE_PREFIX):
            return cls(SourceKind.STORE, text[len(STORE_PREFIX):].strip())
        path = Path(text)
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        if bare_name_is_store and not path.exists():
            return cls(SourceKind.STORE, text)
        return cls(SourceKind.FILE, str(path))

    @property
    def ref(self) -> str:
        """The reference as a scenario writes it."""
        return {SourceKind.DEMO: DEMO_PREFIX, SourceKind.STORE: STORE_PREFIX, SourceKind.FILE: ""}[self.kind] + self.value

    @property
    def path(self) -> Path | None:
        return Path(self.value) if self.kind is SourceKind.FILE else None

    def load(self, store_lookup: StoreLookup | None = None) -> Inventory:
        """Read the inventory: demo built from bundled data, a file through the importers, ``store:`` through
        ``store_lookup`` (given by the surface that holds the store)."""
        if self.kind is SourceKind.DEMO:
            from kouiki.facilities.demo import demo_inventory

            return demo_inventory(self.value)
        if self.kind is SourceKind.STORE:
            if store_lookup is None:
                raise InventorySourceError(
                    f"{self.ref}: 保存した台帳はここでは読めません（ファイルまたは demo:<圏域> を指定してください）")
            return store_lookup(self.value)
        from kouiki.facilities.importers import import_inventory

        path = Path(self.value)
        if not path.exists():
            raise InventorySourceError(f"施設台帳のファイルがありません: {path}")
        inv, _report = import_inventory(path)
        return inv
