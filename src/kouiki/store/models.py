"""Imports every table module so ``Base.metadata`` knows all tables (Alembic autogenerate, tests).

Each capability adds its ``kouiki.store.<capability>`` module to the import below.
"""

from kouiki.store import (  # noqa: F401
    audit,
    facilities,
    facility_council,
    fiscal_plans,
    formation,
    jobs,
    login_throttle,
    regions,
    scenarios,
    staffing,
    users,
    version,
)
from kouiki.store.base import Base

metadata = Base.metadata
