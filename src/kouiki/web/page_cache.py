"""A small in-process cache of page data, valid until the store's next write.

The 圏域ダッシュボード gathers members, KPIs, facilities, scenarios and the fiscal engine's totals of the saved
plan: about a dozen queries and one fiscal evaluation per view, while the data behind it changes a few times a
day. Entries are keyed by what they show plus the store's data version (:mod:`kouiki.store.version`, raised
by every audited write in any process, with the database's epoch) and the date (the current 年度 depends on it), so a hit is always what
a fresh build would give. Per process and bounded; entries are shared, so builders return data only — never
anything about the viewer (name, role, CSRF token), which the page adds at render time.

Not functools.lru_cache: the key must include the data version read from the store at request time, and an
entry of an older version must be replaced, not kept beside the new one.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from kouiki.store.version import current

T = TypeVar("T")
MAX_ENTRIES = 256

_entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
_lock = threading.Lock()


def stamp(s: Session, today: dt.date | None = None) -> tuple[str, int, dt.date] | None:
    """What a cached entry must match: (database epoch, data version, date); None (= do not cache) without
    the version row."""
    version = current(s)
    return None if version is None else (*version, today or dt.date.today())


def cached(s: Session, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``'s result for ``key`` as of the store's current data version (built once per version)."""
    st = stamp(s)
    if st is None:
        return build()
    with _lock:
        hit = _entries.get(key)
        if hit is not None and hit[0] == st:
            _entries.move_to_end(key)
            return hit[1]  # type: ignore[no-any-return]
    value = build()  # outside the lock: concurrent misses may build twice, never block each other
    with _lock:
        _entries[key] = (st, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
