"""A small sparse MILP builder on top of highspy (HiGHS).

Columns and rows are added as arrays; the constraint matrix is assembled once in COO form and passed to
HiGHS column-wise. Never a Python object per coefficient: a model with millions of non-zeros builds in
about a second. The solver always runs under a time limit and reports its own dual bound, so the gap is
certified by HiGHS, not assumed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

from kouiki.optimize.costs import FloatArray, IntArray

INF = float(highspy.kHighsInf)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints a banner from C++ when created; keep stdout clean for --json output."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


@dataclass
class MilpSolution:
    status: str  # optimal | time_limit | infeasible | ...
    objective: float | None
    bound: float | None
    x: FloatArray | None
    seconds: float


@dataclass
class Milp:
    """Minimise c·x subject to row_lo ≤ A x ≤ row_hi, col_lo ≤ x ≤ col_hi, some x integer."""

    cost: list[FloatArray] = field(default_factory=list)
    lo: list[FloatArray] = field(default_factory=list)
    hi: list[FloatArray] = field(default_factory=list)
    integer: list[IntArray] = field(default_factory=list)
    rows_i: list[IntArray] = field(default_factory=list)
    cols_j: list[IntArray] = field(default_factory=list)
    vals: list[FloatArray] = field(default_factory=list)
    row_lo: list[FloatArray] = field(default_factory=list)
    row_hi: list[FloatArray] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0

    def add_cols(self, cost: FloatArray, lo: float, hi: float, integer: bool) -> IntArray:
        k = len(cost)
        idx = np.arange(self.n_cols, self.n_cols + k, dtype=np.int64)
        self.cost.append(np.asarray(cost, dtype=np.float64))
        self.lo.append(np.full(k, lo))
        self.hi.append(np.full(k, hi))
        if integer:
            self.integer.append(idx)
        self.n_cols += k
        return idx

    def add_rows(self, row: IntArray, col: IntArray, val: FloatArray, lo: FloatArray, hi: FloatArray) -> IntArray:
        """Rows numbered 0..len(lo)-1 locally in ``row``; returns their global indices."""
        k = len(lo)
        base = self.n_rows
        self.rows_i.append(np.asarray(row, dtype=np.int64) + base)
        self.cols_j.append(np.asarray(col, dtype=np.int64))
        self.vals.append(np.asarray(val, dtype=np.float64))
        self.row_lo.append(np.asarray(lo, dtype=np.float64))
        self.row_hi.append(np.asarray(hi, dtype=np.float64))
        self.n_rows += k
        return np.arange(base, base + k, dtype=np.int64)

    def fix(self, cols: IntArray, value: float) -> None:
        lo = np.concatenate(self.lo)
        hi = np.concatenate(self.hi)
        lo[cols] = value
        hi[cols] = value
        self.lo, self.hi = [lo], [hi]

    def solve(
        self, time_limit: float, gap: float, start: FloatArray | None = None, objective_offset: float = 0.0,
        options: dict[str, bool | int | float | str] | None = None,
    ) -> MilpSolution:
        t0 = time.perf_counter()
        lp = highspy.HighsLp()
        lp.num_col_ = self.n_cols
        lp.num_row_ = self.n_rows
        lp.col_cost_ = np.concatenate(self.cost) if self.cost else np.zeros(0)
        lp.col_lower_ = np.concatenate(self.lo) if self.lo else np.zeros(0)
        lp.col_upper_ = np.concatenate(self.hi) if self.hi else np.zeros(0)
        lp.row_lower_ = np.concatenate(self.row_lo) if self.row_lo else np.zeros(0)
        lp.row_upper_ = np.concatenate(self.row_hi) if self.row_hi else np.zeros(0)
        lp.offset_ = objective_offset
        a = sparse.csc_matrix(
            (
                np.concatenate(self.vals) if self.vals else np.zeros(0),
                (
                    np.concatenate(self.rows_i) if self.rows_i else np.zeros(0, dtype=np.int64),
                    np.concatenate(self.cols_j) if self.cols_j else np.zeros(0, dtype=np.int64),
                ),
            ),
            shape=(self.n_rows, self.n_cols),
        )
        a.sum_duplicates()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data
        lp.a_matrix_.num_col_ = self.n_cols
        lp.a_matrix_.num_row_ = self.n_rows
        integ = np.zeros(self.n_cols, dtype=bool)
        for idx in self.integer:
            integ[idx] = True
        if integ.any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous for b in integ]
        with _quiet_stdout():
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", bool(os.environ.get("KOUIKI_HIGHS_LOG")))
        h.setOptionValue("time_limit", max(float(time_limit), 0.01))
        h.setOptionValue("mip_rel_gap", float(gap))
        h.setOptionValue("threads", 1)
        for key, value in (options or {}).items():
            h.setOptionValue(key, value)
        h.passModel(lp)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(np.asarray(start, dtype=np.float64))
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_sol else None
        obj = float(info.objective_function_value) if has_sol else None
        shift = 0.0  # ≤ 0: lowers HiGHS' bound when its objective disagrees with c·x of its own solution
        if x is not None and obj is not None:
            recomputed = float(np.dot(lp.col_cost_, x)) + objective_offset
            left = time_limit - (time.perf_counter() - t0)
            if abs(recomputed - obj) > 1e-7 * max(1.0, abs(recomputed)):
                # HiGHS 1.16 has reported, after presolve, an objective *and* a dual bound off by a constant (21
                # below c·x on a reduced OR-Library pmed14 model). Solve again without presolve from its solution
                # if there is time; otherwise keep its bound only as far as the disagreement cannot lift it.
                shift = min(0.0, recomputed - obj)
                if left > 0.2:
                    try:
                        h.setOptionValue("presolve", "off")
                        h.setOptionValue("time_limit", left)
                        again = highspy.HighsSolution()
                        again.col_value = list(x)
                        again.value_valid = True
                        h.setSolution(again)
                        h.run()
                        info2 = h.getInfo()
                        if info2.primal_solution_status == 2:
                            x2 = np.asarray(h.getSolution().col_value, dtype=np.float64)
                            obj2 = float(info2.objective_function_value)
                            r2 = float(np.dot(lp.col_cost_, x2)) + objective_offset
                            if abs(r2 - obj2) <= 1e-7 * max(1.0, abs(r2)):
                                status, info, x, obj, shift = h.getModelStatus(), info2, x2, obj2, 0.0
                    except Exception:  # keep the first answer with the lowered bound
                        pass
        name = h.modelStatusToString(status)
        if status == highspy.HighsModelStatus.kOptimal:
            st = "optimal"
            bound = float(info.mip_dual_bound) if integ.any() else obj
        elif status == highspy.HighsModelStatus.kInfeasible:
            st, bound = "infeasible", None
        elif status == highspy.HighsModelStatus.kTimeLimit:
            st = "time_limit"
            bound = float(info.mip_dual_bound) if integ.any() else None
        else:
            st, bound = name.lower().replace(" ", "_"), None
        if bound is not None and not np.isfinite(bound):
            bound = None
        if bound is not None:
            bound += shift
        return MilpSolution(st, obj, bound, x, time.perf_counter() - t0)
