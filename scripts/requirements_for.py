"""Print kouiki's runtime requirements as a given platform would install them (environment markers applied).

pip evaluates markers against the machine it runs on, so a wheelhouse for Windows built on Linux would ask for
Linux-only packages (e.g. uvloop). Usage: ``python scripts/requirements_for.py [windows|linux]``.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ENVS = {
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64"},
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64"},
}


def main(target: str) -> None:
    env = {"python_version": "3.11", "python_full_version": "3.11.9", "implementation_name": "cpython", **ENVS[target]}
    deps = tomllib.loads(Path(__file__).resolve().parents[1].joinpath("pyproject.toml").read_text())["project"]["dependencies"]
    for line in deps:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            req.marker = None
            print(req)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "linux")
