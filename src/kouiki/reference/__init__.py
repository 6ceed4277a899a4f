"""Reference data and the small exact types every engine uses.

- :mod:`kouiki.reference.codes` — 全国地方公共団体コード (check digit, 5 ↔ 6 digits)
- :mod:`kouiki.reference.calendar` — :class:`FiscalYear` (年度) and 和暦
- :mod:`kouiki.reference.money` — integer yen, named rounding rules, Japanese display
- :mod:`kouiki.reference.municipalities` — every 都道府県・市区町村 with census figures
- :mod:`kouiki.reference.regions` — the registry model of 定住自立圏 / 連携中枢都市圏 and the bundled regions
"""

from kouiki.reference.calendar import FiscalYear, fiscal_year_label
from kouiki.reference.codes import check_digit
from kouiki.reference.codes import normalize as normalize_code
from kouiki.reference.errors import AmbiguousError, CodeError, FiscalYearError, KouikiError, NotFoundError
from kouiki.reference.municipalities import Kind, Municipality, by_code, get, registry, search

__all__ = [
    "AmbiguousError",
    "CodeError",
    "FiscalYear",
    "FiscalYearError",
    "Kind",
    "KouikiError",
    "Municipality",
    "NotFoundError",
    "by_code",
    "check_digit",
    "fiscal_year_label",
    "get",
    "normalize_code",
    "registry",
    "search",
]
