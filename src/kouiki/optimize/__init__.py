"""Location optimiser (施設配置の最適化): p-median, capacitated p-median, MCLP, LSCP, consolidation."""

from kouiki.optimize.models import CapacitatedPMedian, Consolidation, MaxCover, PMedian, SetCover
from kouiki.optimize.problem import Candidates, Demand, InfeasibleError, OptimizeInputError, Problem
from kouiki.optimize.result import Result

__all__ = [
    "Candidates",
    "CapacitatedPMedian",
    "Consolidation",
    "Demand",
    "InfeasibleError",
    "MaxCover",
    "OptimizeInputError",
    "PMedian",
    "Problem",
    "Result",
    "SetCover",
]
