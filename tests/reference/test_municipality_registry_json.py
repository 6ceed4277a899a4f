"""registry.json, the packaged compact form of the municipality registry (start-up: issue 17): fresh, and read
into exactly what build_registry() builds from the sources; the faster name key equals the former one."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from kouiki.reference import municipalities as mun

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built() -> mun.MunicipalityRegistry:
    return mun.build_registry()


def test_the_packaged_file_is_fresh(built: mun.MunicipalityRegistry) -> None:
    text = (ROOT / "src/kouiki/reference/data" / mun.PREBUILT).read_text(encoding="utf-8")
    assert text == mun.registry_json(built), "registry.json is stale: run scripts/build_municipality_registry.py"


def test_the_script_checks_freshness() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts/build_municipality_registry.py"), "--check"],
                         capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT / "src")})
    assert run.returncode == 0, run.stderr


def test_what_is_read_is_what_is_built(built: mun.MunicipalityRegistry) -> None:
    loaded = mun.load_registry()
    assert list(loaded) == list(built)  # every field of every body, in the same order (Decimal, float, Kind …)
    assert all(type(a.area_km2) is type(b.area_km2) and type(a.kind) is type(b.kind) and type(a.lat) is type(b.lat)
               for a, b in zip(loaded, built, strict=True))
    assert all(vars(a) == vars(b) for a, b in zip(loaded, built, strict=True))  # nothing more, nothing less
    assert not hasattr(mun.Municipality, "__post_init__")  # load_registry fills __dict__ without __init__
    assert loaded._former == built._former
    assert loaded._by_name() == built._by_name()
    assert loaded._kind_overrides == [{k: str(v) for k, v in o.items()} for o in built._kind_overrides]
    assert len(loaded) == 47 + 1741 + 175


def test_a_look_up_by_code_reads_one_body_and_the_order_stays(built: mun.MunicipalityRegistry) -> None:
    loaded = mun.load_registry()
    assert len(loaded) == len(built) and not loaded._built  # nothing read yet
    assert loaded.by_code("293636") == built.by_code("293636")
    assert list(loaded._built) == ["293636"]
    assert loaded.by_code("40305") == built.by_code("40305")  # a former code: the body it became
    assert loaded.get("２９３６３６") == built.get("293636") and "293636" in loaded and "999999" not in loaded
    assert list(loaded) == list(built)  # then every body, in the registry's order
    assert loaded.search("川西") == built.search("川西") and loaded.prefectures() == built.prefectures()
    fresh = mun.load_registry()
    assert fresh.get("田原本町") == built.get("田原本町")  # by name: every body at once
    assert fresh.municipalities(include_wards=True) == built.municipalities(include_wards=True)


def test_the_shared_registry_is_read_from_the_packaged_file() -> None:
    assert mun.registry().get("293636").full_name == "奈良県田原本町"
    assert mun.registry().by_code("40305").name == "那珂川市"  # an old code resolves to the body


def test_a_stale_layout_falls_back_to_the_sources(monkeypatch: pytest.MonkeyPatch,
                                                 built: mun.MunicipalityRegistry) -> None:
    monkeypatch.setattr(mun, "_FIELDS", (*mun._FIELDS, "new_field"))
    assert list(mun.load_registry()) == list(built)


def _norm_before(text: str) -> str:
    """The name key as it was written before the one-table fold (the reference for the faster one)."""
    t = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    for a, b in (("ヶ", "ケ"), ("ケ", "ケ"), ("が", "ケ"), ("ﾉ", "ノ")):
        t = t.replace(a, b)
    return t.translate(str.maketrans({"鯵": "鰺", "桧": "檜", "髙": "高", "﨑": "崎"}))


def test_the_name_key_equals_the_former_one(built: mun.MunicipalityRegistry) -> None:
    texts = ["鯵ヶ沢町", "桧原村", "髙", "﨑", "ﾉ", "関が原", "竜ケ崎", "竜ヶ崎", "奈良県 川西町", "奈良県\u3000川西町",
             "ｶﾜﾆｼ", "２９３６３６", ""]
    for b in built:
        texts += [b.name, b.full_name, b.prefecture + " " + b.name, b.kana]
    for t in texts:
        assert mun._norm(t) == _norm_before(t), t


def test_threads_looking_up_while_every_body_is_read_all_find_their_body(built: mun.MunicipalityRegistry) -> None:
    """The web server's threads share the registry: look-ups by code racing the first full read never miss."""
    from concurrent.futures import ThreadPoolExecutor

    codes = [b.code for b in built]
    for _ in range(5):
        loaded = mun.load_registry()

        def look(i: int, loaded: mun.MunicipalityRegistry = loaded) -> bool:
            if i % 50 == 0:
                return len(list(loaded)) == len(codes)
            return loaded.by_code(codes[(i * 37) % len(codes)]).code == codes[(i * 37) % len(codes)]

        with ThreadPoolExecutor(8) as pool:
            assert all(pool.map(look, range(2000)))
        assert list(loaded) == list(built)
