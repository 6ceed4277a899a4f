import pytest

from kouiki.reference import codes, registry
from kouiki.reference.errors import CodeError


@pytest.mark.parametrize(
    ("code5", "code6"),
    [
        ("01000", "010006"),  # 北海道
        ("13000", "130001"),  # 東京都
        ("13101", "131016"),  # 千代田区
        ("29363", "293636"),  # 田原本町
        ("02202", "022021"),  # 弘前市
        ("28229", "282294"),  # たつの市
        ("29204", "292044"),  # 天理市
        ("13362", "133621"),  # 利島村: remainder 0 gives check digit 1
    ],
)
def test_check_digit_vectors(code5: str, code6: str) -> None:
    assert codes.normalize(code5) == code6
    assert codes.normalize(code6) == code6
    assert codes.to_code5(code6) == code5


def test_every_bundled_code_has_a_valid_check_digit() -> None:
    bodies = list(registry())
    assert len(bodies) == 47 + 1741 + 175
    for body in bodies:
        assert codes.check_digit(body.code[:5]) == body.code[5], body
        assert body.code5 == body.code[:5]


def test_wrong_check_digit_names_the_expected_digit() -> None:
    with pytest.raises(CodeError, match=r"正: 293636"):
        codes.normalize("293637")


def test_full_width_digits_and_ints_are_accepted() -> None:
    assert codes.normalize("２９３６３６") == "293636"
    assert codes.normalize("２９３６３") == "293636"
    assert codes.normalize(29363) == "293636"
    assert codes.normalize(2202) == "022021"  # Excel dropped the leading zero of 02202


@pytest.mark.parametrize("bad", ["", "12", "1234567", "29a63", "二九三六三"])
def test_malformed_codes_are_errors(bad: str) -> None:
    with pytest.raises(CodeError):
        codes.normalize(bad)


def test_prefecture_of_a_body() -> None:
    assert codes.prefecture_code("293636") == "290009"
    assert codes.is_prefecture("020001")
    assert not codes.is_prefecture("022021")
