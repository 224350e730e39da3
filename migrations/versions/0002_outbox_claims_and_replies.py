"""outbox: what each email answers, its References header, the recipient key and the sending claim

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_references", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("message_pk", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recipient_key", sa.String(length=320), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_outbox_message_pk", "messages", ["message_pk"], ["id"])
        batch_op.create_index(batch_op.f("ix_outbox_message_pk"), ["message_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_recipient_key"), ["recipient_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_recipient_key"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_pk"))
        batch_op.drop_constraint("fk_outbox_message_pk", type_="foreignkey")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("recipient_key")
        batch_op.drop_column("message_pk")
        batch_op.drop_column("thread_references")
