"""person data sealed at rest: the columns that hold it become binary (sealed values; intake/store/sealing.py)

Revision ID: 0016a
Revises: 0015a

PostgreSQL: each column becomes bytea; what it held is kept as its UTF-8 text (JSON as its JSON text), which the
sealed column types read as legacy plaintext until `service.py keys seal` (or `keys rotate`) seals it. SQLite is
typeless: a TEXT or JSON column stores the sealed BLOBs as they are, so nothing is rebuilt there (no table copy).

The tables come from several branches (0003 notes, 0010a other answers, 0011a review steps, 0016b legal holds,
0016c stored message bodies): `depends_on` makes them exist before this runs, whatever order "heads" applies the
branches in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016a"
down_revision = "0015a"
branch_labels = None
depends_on = ("0010a", "0016b", "0016c")  # leaves only: alembic loses track of a dependency that is not a head

# table -> column -> its type before this migration (blobs.data was binary already).
TEXT, JSON, NAME = sa.Text(), sa.JSON(), sa.String(length=500)
COLUMNS: dict[str, dict[str, sa.types.TypeEngine]] = {
    "messages": {"subject": TEXT, "envelope": JSON, "body_text": TEXT},  # body_text: 0016c
    "attachments": {"filename": NAME},
    "cases": {"triage": JSON},
    "case_fields": {"value": JSON, "source": TEXT},
    "decisions": {"rationale": TEXT},
    "outbox": {"subject": TEXT, "body_text": TEXT, "body_html": TEXT},
    "audit_events": {"detail": JSON},
    "case_notes": {"text": TEXT},
    "case_other_answers": {"answer": TEXT, "source": TEXT},
    "case_steps": {"note": TEXT, "detail": JSON},
    "legal_holds": {"reason": TEXT},  # 0016b
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column, before in columns.items():
            op.alter_column(table, column, type_=sa.LargeBinary(), existing_type=before,
                            postgresql_using=f"convert_to(\"{column}\"::text, 'UTF8')")


def downgrade() -> None:
    # Only plaintext can go back: seal nothing new, and open sealed values first (there is no command for that;
    # a database with sealed values stays on this revision).
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column, before in columns.items():
            using = f"convert_from(\"{column}\", 'UTF8')" + ("::json" if isinstance(before, sa.JSON) else "")
            op.alter_column(table, column, type_=before, existing_type=sa.LargeBinary(), postgresql_using=using)
