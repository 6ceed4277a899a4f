"""The production password hasher: the other tests swap in argon2id at its smallest cost (tests/conftest.py)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from kouiki.store import session, users
from kouiki.store.users import AuthError, authenticate, create_user

pytestmark = pytest.mark.real_password_hash


def test_production_hasher_is_argon2id_at_least_at_the_rfc9106_low_memory_cost() -> None:
    h = users._hasher
    assert h.type is Type.ID
    defaults = PasswordHasher()  # argon2-cffi's defaults: RFC 9106's second recommendation (t=3, 64 MiB, p=4)
    assert h.time_cost >= defaults.time_cost and h.memory_cost >= defaults.memory_cost >= 65536


def test_a_real_hash_round_trip_and_a_wrong_password() -> None:
    with session() as s:
        create_user(s, username="hashcheck", password="correct-horse-battery", role="viewer", by="test")
    with session() as s:
        stored = authenticate(s, "hashcheck", "correct-horse-battery").password_hash
        assert stored.startswith("$argon2id$") and f"m={users._hasher.memory_cost}," in stored
        with pytest.raises(AuthError):
            authenticate(s, "hashcheck", "correct-horse-batterz")
