"""A change cursor per study, so that viewers (the dashboard) read only what changed.

``tc_studies.change_seq`` is the study's last change number; every write that changes a trial
takes the next one and stores it in ``tc_trials.seq`` (indexed with the study), so "what changed
after N" is one index range.  Existing trials get ``seq = number + 1`` and each study the largest
of its trials' numbers, so a reader starting at 0 sees every trial once.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "tc_studies", sa.Column("change_seq", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column("tc_trials", sa.Column("seq", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE tc_trials SET seq = number + 1")
    op.execute(
        "UPDATE tc_studies SET change_seq = COALESCE("
        "(SELECT MAX(t.seq) FROM tc_trials t WHERE t.study_id = tc_studies.study_id), 0)"
    )
    op.create_index("ix_tc_trials_study_seq", "tc_trials", ["study_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_tc_trials_study_seq", table_name="tc_trials")
    with op.batch_alter_table("tc_trials") as batch:
        batch.drop_column("seq")
    with op.batch_alter_table("tc_studies") as batch:
        batch.drop_column("change_seq")
