"""Errors of the reference layer. Messages are Japanese first (users read them), English after."""

from __future__ import annotations


class KouikiError(Exception):
    """Base of every error kouiki reports to a user (CLI: one line, non-zero exit, no traceback)."""


class CodeError(KouikiError, ValueError):
    """A 全国地方公共団体コード that is malformed or has a wrong check digit."""


class FiscalYearError(KouikiError, ValueError):
    """A 年度 that cannot be parsed."""


class NotFoundError(KouikiError, LookupError):
    """No body (団体) or region matches the query."""


class AmbiguousError(KouikiError, LookupError):
    """Several bodies or regions match; the message lists them."""


class ParameterError(KouikiError, ValueError):
    """A parameter file or an override that is malformed (names the file, the line or parameter path, the field).

    Every capability's parameters raise this one class (:mod:`kouiki.reference.parameters`)."""
