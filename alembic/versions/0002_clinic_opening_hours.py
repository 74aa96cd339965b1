"""Clinic opening hours, seeded Monday to Friday 08:00-18:00.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "clinic_opening_hours",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(150), nullable=False),
        sa.Column("updated_by", sa.String(150), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_clinic_opening_hours_weekday"),
        sa.CheckConstraint("closes > opens", name="ck_clinic_opening_hours_closes_after_opens"),
        sa.PrimaryKeyConstraint("id", name="pk_clinic_opening_hours"),
        sa.UniqueConstraint("weekday", name="uq_clinic_opening_hours_weekday"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {
                "id": uuid.uuid4(),
                "weekday": weekday,
                "opens": time(8, 0),
                "closes": time(18, 0),
                "created_at": now,
                "updated_at": now,
                "created_by": "migration 0002",
                "updated_by": "migration 0002",
                "version": 1,
            }
            for weekday in range(5)
        ],
    )


def downgrade() -> None:
    op.drop_table("clinic_opening_hours")
