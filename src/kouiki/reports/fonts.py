"""The bundled Japanese font (BIZ UDPゴシック, OFL) and its explicit registration in matplotlib.

Charts must render Japanese offline on any machine (LGWAN PCs have no internet): kouiki ships the TTF
inside the package and registers it with ``matplotlib.font_manager.fontManager.addfont`` instead of relying
on system fonts or japanize-matplotlib.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

FONT_FILE = "BIZUDPGothic-Regular.ttf"


def font_path() -> Path:
    """Filesystem path of the bundled TTF."""
    return Path(str(resources.files("kouiki.reports").joinpath(f"fonts/{FONT_FILE}")))


@cache
def register_matplotlib() -> str:
    """Register the font in matplotlib, make it the default family, return its family name."""
    import matplotlib
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    name: str = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = [name]
    matplotlib.rcParams["axes.unicode_minus"] = False  # Japanese fonts lack U+2212
    matplotlib.rcParams["svg.fonttype"] = "path"  # SVG renders without the font installed
    return name
