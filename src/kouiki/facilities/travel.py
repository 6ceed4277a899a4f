"""Travel times between demand points and facilities (所要時間).

Default model: ``minutes = great-circle km × circuity ÷ speed × 60`` with the circuity (迂回率) and speed of a
mode read from ``parameters/travel.yaml``. Network times on a user's road graph come from
:mod:`kouiki.facilities.roadgraph` and are returned in the same :class:`TravelMatrix`.

The matrix is saved in long form (``origin_id, destination_id, minutes, km``) as CSV (Parquet when pyarrow is
installed) with a sidecar ``<file>.json`` saying how it was made (README "Travel matrix"). The optimiser reads
the same files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kouiki.facilities.params import facility_parameters
from kouiki.reference.errors import KouikiError
from kouiki.reference.geo import EARTH_RADIUS_KM, great_circle_km_array

FloatArray = npt.NDArray[np.float64]


class TravelError(KouikiError, ValueError):
    """Bad travel parameters or a travel-matrix file that cannot be read."""


@dataclass(frozen=True)
class Site:
    """A point with an id: a demand point (需要点) or a facility (施設)."""

    id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class TravelMode:
    """One mode of the great-circle model (parameters/travel.yaml)."""

    id: str
    label: str
    circuity: Decimal  # 迂回率
    speed_kmh: Decimal
    citation: str
    confidence: str


def _parameters() -> dict[str, Any]:
    return facility_parameters("travel")


def travel_mode(mode: str | None = None, circuity: Decimal | None = None, speed_kmh: Decimal | None = None) -> TravelMode:
    """The mode's parameters, optionally overridden (``circuity``/``speed_kmh`` from the user)."""
    params = _parameters()
    mode_id = mode or str(params["default_mode"])
    modes: dict[str, Any] = params["modes"]
    if mode_id not in modes:
        raise TravelError(f"移動手段が不明です: {mode_id!r}（既知: {', '.join(modes)}）")
    m = modes[mode_id]
    out = TravelMode(
        id=mode_id,
        label=str(m["label"]),
        circuity=Decimal(str(m["circuity"])) if circuity is None else circuity,
        speed_kmh=Decimal(str(m["speed_kmh"])) if speed_kmh is None else speed_kmh,
        citation=str(m["citation"]).strip(),
        confidence=str(m["confidence"]),
    )
    if out.circuity < 1:
        raise TravelError(f"迂回率は1以上です: {out.circuity}")
    if out.speed_kmh <= 0:
        raise TravelError(f"速度は正の値です: {out.speed_kmh}")
    return out


def haversine_km(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle km between broadcastable arrays of degrees, on kouiki's one Earth radius (``reference.geo``).

    The formula is kouiki's one great-circle function (:func:`kouiki.reference.geo.great_circle_km_array`).
    """
    return great_circle_km_array(lat1, lon1, lat2, lon2)


def _great_circle_km_matrix(olat: FloatArray, olon: FloatArray, dlat: FloatArray, dlon: FloatArray) -> FloatArray:
    """All-pairs great-circle km via unit vectors: chord² = |a − b|², angle = 2·asin(chord / 2).

    One matrix product instead of per-pair trigonometry; agrees with :func:`haversine_km` to well under a metre.
    """

    def unit(lat: FloatArray, lon: FloatArray) -> FloatArray:
        la, lo = np.radians(lat), np.radians(lon)
        out: FloatArray = np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
        return out

    a, b = unit(olat, olon), unit(dlat, dlon)
    chord2: FloatArray = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    np.clip(chord2, 0.0, 4.0, out=chord2)
    np.sqrt(chord2, out=chord2)
    chord2 /= 2.0
    np.arcsin(chord2, out=chord2)
    chord2 *= 2.0 * EARTH_RADIUS_KM
    return chord2


@dataclass
class TravelMatrix:
    """Dense origin × destination minutes and km, with the provenance written beside the file.

    ``minutes[i, j]`` is ``inf`` where j cannot be reached from i (a road graph with islands).
    """

    origin_ids: list[str]
    destination_ids: list[str]
    minutes: FloatArray
    km: FloatArray
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shape = (len(self.origin_ids), len(self.destination_ids))
        if self.minutes.shape != shape or self.km.shape != shape:
            raise TravelError(f"所要時間行列の大きさが一致しません: {self.minutes.shape} / {shape}")

    def column(self, destination_id: str) -> FloatArray:
        out: FloatArray = self.minutes[:, self.destination_ids.index(destination_id)]
        return out

    def subset(self, destination_ids: Sequence[str]) -> TravelMatrix:
        """The matrix restricted to some destinations (e.g. the facilities still open)."""
        index = {d: j for j, d in enumerate(self.destination_ids)}
        missing = [d for d in destination_ids if d not in index]
        if missing:
            raise TravelError(f"所要時間行列に施設がありません: {', '.join(missing[:5])}")
        cols = [index[d] for d in destination_ids]
        return TravelMatrix(
            list(self.origin_ids), list(destination_ids), self.minutes[:, cols], self.km[:, cols], dict(self.provenance)
        )

    # ---- files ------------------------------------------------------------------------
    def long_frame(self) -> Any:
        """The reachable pairs as a pandas DataFrame ``origin_id, destination_id, minutes, km`` (3 decimals)."""
        import pandas as pd

        i, j = np.nonzero(np.isfinite(self.minutes))
        o = np.asarray(self.origin_ids, dtype=object)
        d = np.asarray(self.destination_ids, dtype=object)
        return pd.DataFrame({
            "origin_id": o[i], "destination_id": d[j],
            "minutes": np.round(self.minutes[i, j], 3), "km": np.round(self.km[i, j], 3),
        })

    def long_rows(self) -> list[tuple[str, str, float, float]]:
        return [(str(a), str(b), float(c), float(e)) for a, b, c, e in self.long_frame().itertuples(index=False)]

    def write(self, path: Path) -> Path:
        """Write long-form CSV (or Parquet if the suffix is .parquet and pyarrow is installed) + sidecar JSON."""
        path = Path(path)
        df = self.long_frame()
        if path.suffix == ".parquet":
            try:
                df.to_parquet(path)
            except ImportError as exc:  # pragma: no cover - depends on pyarrow being absent
                raise TravelError("Parquet の書き出しには pyarrow が必要です。CSV (.csv) を使ってください") from exc
        else:
            df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        meta = dict(self.provenance)
        meta.setdefault("created", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        meta["origins"] = len(self.origin_ids)
        meta["destinations"] = len(self.destination_ids)
        meta["unreachable_pairs"] = int(len(self.origin_ids) * len(self.destination_ids) - len(df))
        sidecar_path(path).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> TravelMatrix:
        """Read a long-form matrix; pairs absent from the file are unreachable (inf)."""
        import pandas as pd

        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(2, "not found", str(path))
        need = ["origin_id", "destination_id", "minutes", "km"]
        if path.suffix == ".parquet":
            df = pd.read_parquet(path)
        else:
            with path.open(encoding="utf-8-sig") as fh:
                header = [h.strip() for h in fh.readline().rstrip("\r\n").split(",")]
            if header[:4] != need:
                raise TravelError(f"{path}: 1行目の列名は {','.join(need)} です（実際: {','.join(header)}）")
            df = pd.read_csv(path, encoding="utf-8-sig", dtype={"origin_id": str, "destination_id": str},
                             keep_default_na=False, na_values={"minutes": [""], "km": [""]})
        try:
            minutes_col = pd.to_numeric(df["minutes"], errors="raise").to_numpy(dtype=float)
            km_col = pd.to_numeric(df["km"], errors="coerce").to_numpy(dtype=float)
        except (ValueError, TypeError):
            bad = pd.to_numeric(df["minutes"], errors="coerce").isna().to_numpy().nonzero()[0]
            line = int(bad[0]) + 2 if len(bad) else 2
            raise TravelError(f"{path} {line}行目: minutes が数値ではありません") from None
        o_codes, origins = pd.factorize(df["origin_id"].astype(str), sort=False)
        d_codes, dests = pd.factorize(df["destination_id"].astype(str), sort=False)
        minutes = np.full((len(origins), len(dests)), np.inf)
        km = np.full((len(origins), len(dests)), np.inf)
        minutes[o_codes, d_codes] = minutes_col
        km[o_codes, d_codes] = km_col
        side = sidecar_path(path)
        prov = json.loads(side.read_text(encoding="utf-8")) if side.exists() else {"method": "unknown (no sidecar)"}
        return cls([str(x) for x in origins], [str(x) for x in dests], minutes, km, prov)


def sidecar_path(path: Path) -> Path:
    return Path(str(path) + ".json")


def great_circle_matrix(
    origins: Sequence[Site],
    destinations: Sequence[Site],
    mode: TravelMode | None = None,
) -> TravelMatrix:
    """Minutes by great-circle × circuity ÷ speed (the documented default model)."""
    m = mode or travel_mode()
    if not origins or not destinations:
        raise TravelError("需要点または施設が0件です（所要時間を計算できません）")
    straight = _great_circle_km_matrix(
        np.array([o.lat for o in origins], dtype=float), np.array([o.lon for o in origins], dtype=float),
        np.array([d.lat for d in destinations], dtype=float), np.array([d.lon for d in destinations], dtype=float),
    )
    road_km = straight * float(m.circuity)
    minutes = road_km / float(m.speed_kmh) * 60.0
    prov = {
        "method": "great_circle",
        "formula": "minutes = great-circle km × circuity ÷ speed_kmh × 60",
        "mode": m.id,
        "mode_label": m.label,
        "circuity": str(m.circuity),
        "speed_kmh": str(m.speed_kmh),
        "citation": m.citation,
        "confidence": m.confidence,
        "km": "road km estimate = great-circle km × circuity",
    }
    return TravelMatrix([o.id for o in origins], [d.id for d in destinations], minutes, road_km, prov)
