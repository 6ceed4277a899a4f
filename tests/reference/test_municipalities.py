import pytest

from kouiki.reference import AmbiguousError, Kind, NotFoundError, get, registry, search


def test_counts() -> None:
    r = registry()
    assert len(r.prefectures()) == 47
    assert len(r.municipalities()) == 1741
    assert len(r.municipalities(include_wards=True)) == 1741 + 175


def test_tawaramoto_by_5_and_6_digits() -> None:
    for q in ("293636", "29363", "２９３６３６", "田原本町", "奈良県田原本町"):
        m = get(q)
        assert m.name == "田原本町" and m.population_2020 == 31177
        assert m.kind is Kind.TOWN and m.prefecture == "奈良県"


def test_ambiguous_names_need_the_prefecture() -> None:
    with pytest.raises(AmbiguousError, match="山形県川西町"):
        get("川西町")
    assert get("奈良県川西町").code == "293610"
    assert get("山形県川西町").code == "063827"
    with pytest.raises(AmbiguousError):
        get("府中市")
    assert get("広島県府中市").prefecture == "広島県"


def test_unknown_name_suggests() -> None:
    with pytest.raises(NotFoundError, match="弘前市"):
        get("弘前")


def test_kinds() -> None:
    assert get("札幌市").kind is Kind.DESIGNATED_CITY
    assert get("青森県八戸市").kind is Kind.CORE_CITY
    assert get("千代田区").kind is Kind.SPECIAL_WARD
    assert get("弘前市").kind is Kind.CITY and get("弘前市").kind.is_city
    assert get("西目屋村").kind is Kind.VILLAGE
    assert get("札幌市中央区").kind is Kind.WARD
    assert get("札幌市中央区").parent_code == get("札幌市").code
    assert get("青森県").kind is Kind.PREFECTURE
    assert get("奈良市").is_prefectural_capital and not get("天理市").is_prefectural_capital


def test_code_change_keeps_2015_population() -> None:
    nakagawa = get("那珂川市")
    assert nakagawa.population_2015 == 50004  # 2015 census as 那珂川町 (40305)
    assert get("40305").code == nakagawa.code == "402311"


def test_prefecture_figures_are_derived_sums() -> None:
    aomori = get("青森県")
    assert aomori.derived
    members = registry().in_prefecture("青森県")
    assert len(members) == 40
    assert aomori.population_2020 == sum(m.population_2020 or 0 for m in members)


def test_search_by_name_and_kana() -> None:
    assert any(m.name == "弘前市" for m in search("弘前"))
    assert any(m.name == "弘前市" for m in search("ひろさき"))
    assert any(m.name == "鰺ヶ沢町" for m in search("鰺ケ沢"))


def test_dated_kind_overrides_apply_from_their_day() -> None:
    import datetime as dt

    from kouiki.reference.municipalities import MunicipalityRegistry

    base = list(registry())
    override = [{"code": "022021", "kind": "中核市", "effective": "2030-04-01", "source": "test"}]
    r = MunicipalityRegistry(base, override)
    assert r.by_code("022021", on=dt.date(2030, 3, 31)).kind is Kind.CITY
    assert r.by_code("022021", on=dt.date(2030, 4, 1)).kind is Kind.CORE_CITY


@pytest.mark.parametrize(("typed", "code"), [("鯵ケ沢町", "023213"), ("青森県鯵ヶ沢町", "023213"), ("桧原村", "133078")])
def test_common_variant_characters_find_the_official_body(typed: str, code: str) -> None:
    from kouiki.reference import get

    assert get(typed).code == code


def test_name_or_code_never_raises() -> None:
    from kouiki.reference.municipalities import name_or_code

    assert name_or_code("022021") == "弘前市"
    assert name_or_code("02202") == "弘前市"
    assert name_or_code("299995") == "299995"  # valid check digit, no such body
    assert name_or_code("abc") == "abc"


def test_population_defaults_follow_the_latest_bundled_census_not_a_literal_year() -> None:
    """`census_year` defaults name LATEST_CENSUS_YEAR, so the next census needs no code edit (a literal 2020 fails)."""
    import ast
    from pathlib import Path

    import kouiki
    from kouiki.reference.municipalities import CENSUS_YEARS, LATEST_CENSUS_YEAR, registry
    from kouiki.reference.regions import find_region

    root = Path(kouiki.__file__).parent
    files = ["reference/municipalities.py", "reference/regions.py", "web/facilities/views.py",
             "cli/facilities_scenarios.py"]
    literal = []
    seen = 0
    for f in files:
        for node in ast.walk(ast.parse((root / f).read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            args = node.args.args + node.args.kwonlyargs
            defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + list(node.args.defaults)
            defaults += list(node.args.kw_defaults)
            for a, d in zip(args, defaults, strict=True):
                if a.arg == "census_year" and d is not None and not (isinstance(d, ast.Constant) and d.value is None):
                    seen += 1
                    if not (isinstance(d, ast.Name) and d.id == "LATEST_CENSUS_YEAR"):
                        literal.append(f"{f}:{node.lineno} {node.name}")
    assert seen >= 5 and literal == []
    assert max(CENSUS_YEARS) == LATEST_CENSUS_YEAR
    body = registry().by_code("293636")
    assert body.population() == body.population(LATEST_CENSUS_YEAR)
    region = find_region("大和まほろば")
    assert region.population() == region.population(LATEST_CENSUS_YEAR)
