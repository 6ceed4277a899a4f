"""Imports every table module so ``Base.metadata`` knows all tables (Alembic autogenerate, tests).

Each capability adds one import line here for its ``kouiki.store.<capability>`` module.
"""

from kouiki.store import audit, facilities, fiscal_plans, formation, jobs, regions, scenarios, users  # noqa: F401
from kouiki.store.base import Base

metadata = Base.metadata
