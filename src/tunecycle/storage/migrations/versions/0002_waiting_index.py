"""Index trials by (study, state, number), so that claiming the oldest waiting trial and
counting trials by state stay cheap as a study grows (the old (study, state) index let SQLite
walk every trial of the study to find a waiting one in number order).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_tc_trials_study_state", table_name="tc_trials")
    op.create_index("ix_tc_trials_study_state_number", "tc_trials",
                    ["study_id", "state", "number"])


def downgrade() -> None:
    op.drop_index("ix_tc_trials_study_state_number", table_name="tc_trials")
    op.create_index("ix_tc_trials_study_state", "tc_trials", ["study_id", "state"])
