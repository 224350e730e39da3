"""issue 14: OIDC sign-in state, where an account comes from, the digest as sent

Revision ID: 0014a
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0014a"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_pending",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash"),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("auth_source", sa.String(length=20), nullable=False, server_default="local"))
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(sa.Column("body_html", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_column("body_html")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("auth_source")
    op.drop_table("oidc_pending")
