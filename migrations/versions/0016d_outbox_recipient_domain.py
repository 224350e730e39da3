"""outbox: the recipient's registrable domain, for the per-domain flood caps; recipient keys fold plus-tags

The new status "held" needs no schema change (status is a plain string column).

Revision ID: 0016d
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0016d"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_domain", sa.String(length=255), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_outbox_recipient_domain"), ["recipient_domain"], unique=False)
    # Earlier rows: the domain after the "@" (their age puts them outside any cap window; this keeps counts honest
    # for a deployment upgraded in the middle of a day).
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("recipient_key", sa.String),
                      sa.column("recipient_domain", sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.recipient_key)).all()
    for row_id, key in rows:
        domain = key.rsplit("@", 1)[1] if key and "@" in key else ""
        if domain:
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(recipient_domain=domain[:255]))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_recipient_domain"))
        batch_op.drop_column("recipient_domain")
