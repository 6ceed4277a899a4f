"""Specialists and training (専門人材の共同活用・人材確保・人材育成).

- :mod:`kouiki.staffing.model` — 連携協約, specialist types, posts, secondments, demand
- :mod:`kouiki.staffing.io` — read a case from YAML / XLSX (:func:`load_case`)
- :mod:`kouiki.staffing.items` — records → fiscal plan items (人材確保の特別交付税) and staffing refusals
- :mod:`kouiki.staffing.support` — evaluate through ``kouiki.fiscal`` and sum per body and 年度
- :mod:`kouiki.staffing.sharing` — the sharing plan (assignment MILP, HiGHS)
- :mod:`kouiki.staffing.training` — 人材育成基本方針, conditions ①②③, ``training`` items
- :mod:`kouiki.staffing.advisor` — 経営・財務マネジメント強化事業: fields, modes, mode helper
"""

from kouiki.staffing.advisor import recommend
from kouiki.staffing.io import case_from_dict, load_case
from kouiki.staffing.items import build_items
from kouiki.staffing.sharing import plan_sharing
from kouiki.staffing.support import evaluate_support
from kouiki.staffing.training import evaluate_training, evaluate_training_file

__all__ = [
    "build_items",
    "case_from_dict",
    "evaluate_support",
    "evaluate_training",
    "evaluate_training_file",
    "load_case",
    "plan_sharing",
    "recommend",
]
