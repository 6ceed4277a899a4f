"""Fiscal measures engine (財政措置): every support measure as cited, versioned rules with explanations.

Stable API (see docs/fiscal.md):

- :func:`evaluate` ``(plan, overrides=None, context=None, *, trace=True, totals_only=False) -> Result``
  (``Result.to_dict()`` is the JSON of ``kouiki fiscal evaluate --json``)
- :func:`catalogue` ``(params=None) -> list[dict]`` — every measure with its current values, citations, confidence
- :func:`load_plan` — validated plan from a dict, list or file (.yaml/.json/.xlsx)
- :func:`explain` — the Japanese trace of one item
- :func:`compare` ``(plan, overrides)`` — baseline vs scenario per item and kind (what-if)
- :func:`teiju_eligibility` ``(code, fiscal_year, role=None, regions=None) -> Eligibility`` — may this body claim a
  定住自立圏 measure in this 年度 (yes / no / unknown, the reason in Japanese, the source)
"""

from kouiki.fiscal.api import FiscalContext, compare, evaluate, explain, load_plan
from kouiki.fiscal.catalogue import catalogue
from kouiki.fiscal.eligibility import Decision, Eligibility, teiju_eligibility
from kouiki.fiscal.errors import ParameterError, PlanError, PlanIssue
from kouiki.fiscal.model import Line, Result
from kouiki.fiscal.params import ParameterSet, load_parameters

__all__ = [
    "Decision",
    "Eligibility",
    "FiscalContext",
    "Line",
    "ParameterError",
    "ParameterSet",
    "PlanError",
    "PlanIssue",
    "Result",
    "catalogue",
    "compare",
    "evaluate",
    "explain",
    "load_parameters",
    "load_plan",
    "teiju_eligibility",
]
