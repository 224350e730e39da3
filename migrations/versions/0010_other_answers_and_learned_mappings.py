"""form answers that map to no field, and the question-to-field mappings staff teach

Revision ID: 0010a
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0010a"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_other_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_pk", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("section", sa.String(length=300), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("mapped_to", sa.String(length=80), nullable=True),
        sa.Column("other_person", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_pk"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_other_answers_case_pk", "case_other_answers", ["case_pk"])
    op.create_table(
        "learned_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=500), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("field_name", sa.String(length=80), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_by", sa.String(length=100), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_learned_mappings_question_key", "learned_mappings", ["question_key"])


def downgrade() -> None:
    op.drop_index("ix_learned_mappings_question_key", table_name="learned_mappings")
    op.drop_table("learned_mappings")
    op.drop_index("ix_case_other_answers_case_pk", table_name="case_other_answers")
    op.drop_table("case_other_answers")
