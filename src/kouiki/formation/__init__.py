"""Region formation (圏域形成): 中心市 requirements, neighbour indicators, census figures, procedure states.

Pure engines over plain data; the CLI (``kouiki formation …``) and the store supply imported census figures.

- :func:`check_central_city` — one result per criterion (is_city, population, daytime_ratio, location)
- :func:`check_compound` — 複眼型中心市; :func:`check_single_merged` — 合併1市圏域
- :func:`neighbour_indicators` — adjacency (N03), office distance, population, 通勤通学割合
- :class:`CensusData` — bundled 2015 figures plus imported e-Stat tables (imported override bundled)
- :mod:`kouiki.formation.estat` — importers for e-Stat 国勢調査 CSVs (昼夜間人口, 従業地・通学地 OD)
- :mod:`kouiki.formation.procedure` — procedure states and validation; :mod:`kouiki.formation.status` — national counts
"""

from kouiki.formation.census import CensusData, CommutingFigure, DaytimeFigure, bundled_census
from kouiki.formation.central import (
    CentralCityResult,
    Criterion,
    check_central_city,
    check_compound,
    check_single_merged,
)
from kouiki.formation.neighbours import NeighbourIndicator, neighbour_indicators
from kouiki.formation.params import FormationParams, load_params

__all__ = [
    "CensusData",
    "CentralCityResult",
    "CommutingFigure",
    "Criterion",
    "DaytimeFigure",
    "FormationParams",
    "NeighbourIndicator",
    "bundled_census",
    "check_central_city",
    "check_compound",
    "check_single_merged",
    "load_params",
    "neighbour_indicators",
]
