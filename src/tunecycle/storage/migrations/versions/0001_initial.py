"""Initial schema: studies, trials (params and attributes as JSON text), intermediate values.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tc_studies",
        sa.Column("study_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(512), nullable=False, unique=True),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("user_attrs", sa.Text, nullable=False),
        sa.Column("system_attrs", sa.Text, nullable=False),
        sa.Column("next_number", sa.Integer, nullable=False),
        sa.Column("datetime_start", sa.DateTime, nullable=False),
    )
    op.create_table(
        "tc_trials",
        sa.Column("trial_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "study_id",
            sa.Integer,
            sa.ForeignKey("tc_studies.study_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("value", sa.Double),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("distributions", sa.Text, nullable=False),
        sa.Column("user_attrs", sa.Text, nullable=False),
        sa.Column("system_attrs", sa.Text, nullable=False),
        sa.Column("fail_reason", sa.Text),
        sa.Column("owner", sa.String(255)),
        sa.Column("heartbeat", sa.Double),
        sa.Column("retry_of", sa.Integer),
        sa.Column("datetime_start", sa.DateTime),
        sa.Column("datetime_complete", sa.DateTime),
        sa.UniqueConstraint("study_id", "number", name="uq_tc_trials_study_number"),
    )
    op.create_index("ix_tc_trials_study_state", "tc_trials", ["study_id", "state"])
    op.create_table(
        "tc_intermediate",
        sa.Column(
            "trial_id",
            sa.Integer,
            sa.ForeignKey("tc_trials.trial_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("step", sa.Integer, primary_key=True),
        sa.Column("value", sa.Double),
    )


def downgrade() -> None:
    op.drop_table("tc_intermediate")
    op.drop_index("ix_tc_trials_study_state", table_name="tc_trials")
    op.drop_table("tc_trials")
    op.drop_table("tc_studies")
