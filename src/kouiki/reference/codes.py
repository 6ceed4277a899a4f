"""全国地方公共団体コード (local government codes, JIS X 0401/0402 + 総務省 check digit).

6 digits = 2 (prefecture) + 3 (body) + 1 check digit. The check digit is
``(11 - (6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5) mod 11) mod 10`` (domain-facts.md §8): remainder 0
gives 1 (e.g. 利島村 133621), remainder 1 gives 0. Everything in kouiki stores and prints 6 digits
and accepts 5 or 6, with full-width digits.
"""

from __future__ import annotations

import unicodedata

from kouiki.reference.errors import CodeError

_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(code5: str) -> str:
    """Return the check digit (検査数字) of a 5-digit code."""
    if len(code5) != 5 or not code5.isdigit():
        raise CodeError(f"5桁の団体コードではありません: {code5!r} (not a 5-digit code)")
    total = sum(int(d) * w for d, w in zip(code5, _WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def _clean(code: str | int) -> str:
    if isinstance(code, int):
        text = str(code)
    else:
        # NFKC turns full-width digits (２９３６３６) into ASCII; strip separators people type.
        text = unicodedata.normalize("NFKC", code).strip().replace("-", "").replace(" ", "")
    if not text.isdigit():
        raise CodeError(f"団体コードは数字で指定してください: {code!r} (a code has digits only)")
    return text


def normalize(code: str | int) -> str:
    """Return the 6-digit code for a 5- or 6-digit code (str or int, full-width digits accepted).

    A 4-digit value is a 5-digit code that lost its leading zero (Excel does this: 2202 → 02202).
    A 6-digit code with a wrong check digit raises :class:`CodeError` naming the expected digit.
    """
    text = _clean(code)
    if len(text) == 4:
        text = text.zfill(5)
    if len(text) == 5:
        return text + check_digit(text)
    if len(text) == 6:
        expected = check_digit(text[:5])
        if text[5] != expected:
            raise CodeError(
                f"検査数字が一致しません（正: {text[:5]}{expected}）: {text}"
            )
        return text
    raise CodeError(f"団体コードは5桁または6桁です: 「{code}」")


def is_valid(code: str | int) -> bool:
    """True when ``code`` normalises without error."""
    try:
        normalize(code)
    except CodeError:
        return False
    return True


def to_code5(code: str | int) -> str:
    """The 5-digit form (e-Stat, 国土数値情報 N03_007) of any accepted code."""
    return normalize(code)[:5]


def prefecture_code(code: str | int) -> str:
    """The 6-digit code of the prefecture a body belongs to (e.g. 293636 → 290009)."""
    pref2 = normalize(code)[:2]
    return normalize(pref2 + "000")


def is_prefecture(code: str | int) -> bool:
    return normalize(code)[2:5] == "000"
