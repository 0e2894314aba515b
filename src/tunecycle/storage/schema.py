"""The SQL schema of the current version, as SQLAlchemy Core tables.

Migrations in ``migrations/versions`` create and change the real tables; these definitions are
what the queries use, and ``tests/storage/test_schema.py`` checks that the two agree.  Params,
values and attributes are stored as JSON text, never as pickles.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tunecycle.storage.base import MAX_STUDY_NAME

#: the revision of the newest migration; a store at another revision must be upgraded first
SCHEMA_HEAD = "0004"
VERSION_TABLE = "tc_alembic_version"

metadata = MetaData()

studies = Table(
    "tc_studies",
    metadata,
    Column("study_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(MAX_STUDY_NAME), nullable=False, unique=True),
    Column("direction", String(16), nullable=False),
    Column("user_attrs", Text, nullable=False),
    Column("system_attrs", Text, nullable=False),
    Column("next_number", Integer, nullable=False),
    Column("datetime_start", DateTime, nullable=False),
    # the study's last change number: every write that changes a trial takes the next one
    Column("change_seq", Integer, nullable=False, server_default="0"),
    # one direction per objective, as a JSON list (NULL: one objective, ``direction``)
    Column("directions", Text),
)

trials = Table(
    "tc_trials",
    metadata,
    Column("trial_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "study_id", Integer, ForeignKey("tc_studies.study_id", ondelete="CASCADE"), nullable=False
    ),
    Column("number", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("value", Double),
    Column("params", Text, nullable=False),
    Column("distributions", Text, nullable=False),
    Column("user_attrs", Text, nullable=False),
    Column("system_attrs", Text, nullable=False),
    Column("fail_reason", Text),
    Column("owner", String(255)),
    Column("heartbeat", Double),
    Column("retry_of", Integer),
    Column("datetime_start", DateTime),
    Column("datetime_complete", DateTime),
    # the study's change number of this trial's last change (readers ask "changed since N")
    Column("seq", Integer, nullable=False, server_default="0"),
    # one value per objective and the constraint values, as JSON lists (NULL: none; a trial
    # of a one-objective study keeps its value in ``value`` as well)
    Column("objective_values", Text),
    Column("constraint_values", Text),
    # False when a constraint value is above 0 (NULL: no constraints); the viewers' best value
    # skips infeasible trials without reading the JSON
    Column("feasible", Boolean),
    UniqueConstraint("study_id", "number", name="uq_tc_trials_study_number"),
    Index("ix_tc_trials_study_state_number", "study_id", "state", "number"),
    Index("ix_tc_trials_study_seq", "study_id", "seq"),
)

intermediate = Table(
    "tc_intermediate",
    metadata,
    Column(
        "trial_id", Integer, ForeignKey("tc_trials.trial_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("step", Integer, primary_key=True),
    Column("value", Double),
)
