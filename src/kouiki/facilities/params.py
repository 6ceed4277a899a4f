"""The facilities capability's rules and defaults: ``facilities/parameters/*.yaml`` in kouiki's one parameter format.

Each file (access, evaluate, fees, indicators, infrastructure, renewal, renewal_longevity, travel) is read by the
shared loader (:mod:`kouiki.reference.parameters`: values by 年度, a citation and a confidence per value, the user's
files in ``<data folder>/parameters/`` overlaying them). The engines read a file's values as nested mappings
shaped like the file's ``parameters:`` tree.
"""

from __future__ import annotations

from typing import Any

from kouiki.reference.parameters import FileHeader, ParameterSet, current


def facility_parameters(measure: str) -> dict[str, Any]:
    """The values of ``facilities/parameters/<measure>.yaml`` (with the user's overlay) as nested mappings, in their
    latest dated values (a fresh copy)."""
    return parameter_set().tree(measure)


def horizon_years() -> int:
    """The projection horizon in 年度 (「今後40年間」, ``renewal.horizon_years``): the default of a scenario, of the
    更新費用 projections (buildings and infrastructure) and of the surfaces that ask for a horizon."""
    return int(parameter_set().value("renewal.horizon_years"))


def parameter_set() -> ParameterSet[FileHeader]:
    """Every facilities parameter (packaged + the user's overlay)."""
    return current("facilities")


class RulesFile:
    """How a facilities rule set names its file to people (mixed into RenewalParameters, InfrastructureParameters:
    each has ``source_file`` and ``version``)."""

    source_file: str
    version: int

    @property
    def measure(self) -> str | None:
        """The packaged file's id (its section ``#m-<measure>`` on the parameters page); None for a user's own file."""
        prefix = "kouiki/facilities/parameters/"
        return self.source_file[len(prefix):].removesuffix(".yaml") if self.source_file.startswith(prefix) else None

    @property
    def rules_label(self) -> str:
        """The rules as people read them (pages, reports): the packaged file's Japanese name on the parameters page
        and its version, or the user's own file by name — never a package path."""
        from kouiki.reference.parameters import file_label

        label = file_label(self.measure) if self.measure else None
        if label is None:
            return f"利用者のパラメータファイル {self.source_file.replace(chr(92), '/').rsplit('/', 1)[-1]}（版 {self.version}）"
        return f"パラメータ「{label}」（版 {self.version}）"
