"""Faster date-of-birth lookups: a new index on the patients table, no data changed.

The index is (dob_bucket, id, date_of_birth). The one on dob_bucket alone made a lookup
read the full row of each of the bucket's few dozen patients, a page of the table each, to
open their birth dates; with the id and the sealed date in the index, only the rows born on
the day are read. It replaces the old index (a prefix of the new one serves every query the
old one did).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_patients_dob_lookup", "patients", ["dob_bucket", "id", "date_of_birth"])
    op.drop_index("ix_patients_dob_bucket", table_name="patients")


def downgrade() -> None:
    op.create_index("ix_patients_dob_bucket", "patients", ["dob_bucket"])
    op.drop_index("ix_patients_dob_lookup", table_name="patients")
