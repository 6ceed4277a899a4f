"""Imports every table module so ``Base.metadata`` knows all tables (Alembic autogenerate, tests).

Each capability adds one import line here for its ``kouiki.store.<capability>`` module.
"""

from kouiki.store import (  # noqa: F401
    audit,
    facilities,
    facility_council,
    fiscal_plans,
    formation,
    regions,
    scenarios,
    users,
)
from kouiki.store.base import Base

metadata = Base.metadata
