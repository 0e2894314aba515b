"""Several objectives and constraints: a study's directions, a trial's values per objective and
its constraint values, each a JSON list in a nullable column, and whether the trial is feasible
(NULL: it has no constraints), so that best-value queries skip infeasible trials in SQL.

Existing rows keep NULL there and read as before: a study of one objective (its ``direction``),
trials whose one value is ``value``, without constraints.  Nothing is rewritten.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tc_studies", sa.Column("directions", sa.Text, nullable=True))
    op.add_column("tc_trials", sa.Column("objective_values", sa.Text, nullable=True))
    op.add_column("tc_trials", sa.Column("constraint_values", sa.Text, nullable=True))
    op.add_column("tc_trials", sa.Column("feasible", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tc_trials") as batch:
        batch.drop_column("feasible")
        batch.drop_column("constraint_values")
        batch.drop_column("objective_values")
    with op.batch_alter_table("tc_studies") as batch:
        batch.drop_column("directions")
