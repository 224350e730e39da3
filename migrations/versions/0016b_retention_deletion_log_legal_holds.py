"""issue 13: retention — the deletion log (tombstones), legal holds, and purged messages that outlive their bytes

A purged message keeps its ledger row and its sha256 (the ledger's identity, with the Message-ID) while its bytes
are deleted, so the foreign key from messages.sha256 to blobs goes. Attachments and previews keep theirs: their
rows are deleted with their bytes.

Revision ID: 0016b
Revises: 0014a
"""

import sqlalchemy as sa
from alembic import op

revision = "0016b"
down_revision = "0014a"
branch_labels = None
depends_on = None

# SQLite names no foreign key; batch mode finds the unnamed one by this convention.
_NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    op.create_table(
        "deletion_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("case_pk", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
        sa.Column("message_pk", sa.Integer(), sa.ForeignKey("messages.id"), nullable=True),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("track", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=200), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_by", sa.String(length=100), nullable=False),
        sa.Column("why", sa.String(length=300), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_pk"),
        sa.UniqueConstraint("message_pk"),
    )
    op.create_index("ix_deletion_log_reference", "deletion_log", ["reference"])
    op.create_index("ix_deletion_log_purged_at", "deletion_log", ["purged_at"])
    op.create_table(
        "legal_holds",
        sa.Column("case_pk", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_pk"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # A table rebuild (intake/store/database.py turns SQLite's key checks off for it, then checks them all).
        with op.batch_alter_table("messages", recreate="always", naming_convention=_NAMING) as batch:
            batch.drop_constraint("fk_messages_sha256_blobs", type_="foreignkey")
    else:
        for key in sa.inspect(bind).get_foreign_keys("messages"):
            if key["constrained_columns"] == ["sha256"] and key["name"]:
                op.drop_constraint(key["name"], "messages", type_="foreignkey")


def downgrade() -> None:
    # The key from messages.sha256 to blobs is not put back: purged messages have no bytes left to point at.
    op.drop_table("legal_holds")
    op.drop_index("ix_deletion_log_purged_at", table_name="deletion_log")
    op.drop_index("ix_deletion_log_reference", table_name="deletion_log")
    op.drop_table("deletion_log")
