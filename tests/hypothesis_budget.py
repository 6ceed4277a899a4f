"""How many examples a property test runs: the full count in CI, a fifth of it (at least 10) in ``./dev test``.

``KOUIKI_RUN_SLOW=1`` (set by ``.ci/run``) selects the full counts and the ``ci`` Hypothesis profile
(``tests/conftest.py``); a test that names its own ``max_examples`` writes ``max_examples=examples(200)``."""

from __future__ import annotations

import os

FULL = os.environ.get("KOUIKI_RUN_SLOW", "") not in ("", "0")


def examples(full: int) -> int:
    """``full`` when every test runs (CI), else a fifth of it, never below 10 (nor above ``full``)."""
    return full if FULL else min(full, max(10, full // 5))
