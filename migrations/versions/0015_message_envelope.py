"""messages: how each email was wrapped (S/MIME signer and verdict, secure-email service, document links)

Revision ID: 0015a
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0015a"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("envelope", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("envelope")
