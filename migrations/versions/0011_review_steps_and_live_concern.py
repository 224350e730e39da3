"""review after triage: case steps, the live clock and the live-concern mark on cases

Revision ID: 0011a
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0011a"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_pk"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_steps_case_pk", "case_steps", ["case_pk"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("clock", sa.String(length=30), nullable=False, server_default=""))
        batch.add_column(sa.Column("live_concern", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index("ix_cases_live_concern", ["live_concern"])
    # Cases filed before this revision: a live concern is a signpost already stored. No step is recorded yet, so
    # the Panel clock runs wherever there is one, unless staff had closed the case (then nothing runs).
    op.execute("UPDATE cases SET live_concern = " + _true() + " WHERE CAST(signposts AS TEXT) LIKE '%\"live_concern\"%'")
    op.execute("UPDATE cases SET clock = 'panel_notification', nearest_deadline = panel_notification "
               "WHERE panel_notification IS NOT NULL AND status <> 'closed'")
    op.execute("UPDATE cases SET nearest_deadline = NULL WHERE status = 'closed'")


def _true() -> str:
    return "TRUE" if op.get_bind().dialect.name == "postgresql" else "1"


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_live_concern")
        batch.drop_column("live_concern")
        batch.drop_column("clock")
    op.drop_index("ix_case_steps_case_pk", table_name="case_steps")
    op.drop_table("case_steps")
