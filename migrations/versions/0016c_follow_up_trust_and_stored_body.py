"""follow-up trust and what the case page reads: proposed fields, message flags and warnings, the stored body

Revision ID: 0016c
Revises: 0011a

- case_fields.proposal: a field from a follow-up "from a different sender" (proposed, accepted, rejected);
  case_fields.message_pk: the email a field was read from (where known).
- messages.body_text and messages.mail_date: the text the case page shows and the Date header, kept at filing
  so a case view never parses the raw email again (NULL for mail filed before: the page reads the raw bytes).
- messages.flags and messages.warnings: what was wrong with the message itself (different sender, subject cut,
  attachments over the limit, an empty winmail.dat).
- digest_runs.message_id: the Message-ID of the digest as sent, so every email we send has one we recorded.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016c"
down_revision = "0011a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_fields") as batch:
        batch.add_column(sa.Column("proposal", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("message_pk", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_case_fields_message_pk", "messages", ["message_pk"], ["id"])
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("body_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("mail_date", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("flags", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("warnings", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=300), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_column("message_id")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("warnings")
        batch.drop_column("flags")
        batch.drop_column("mail_date")
        batch.drop_column("body_text")
    with op.batch_alter_table("case_fields") as batch:
        batch.drop_constraint("fk_case_fields_message_pk", type_="foreignkey")
        batch.drop_column("message_pk")
        batch.drop_column("proposal")
