"""Document previews: attachments converted to PDF once, by content (issue 12).

Revision ID: 0012a
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0012a"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_previews",
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source_sha256"),
    )


def downgrade() -> None:
    op.drop_table("document_previews")
