"""Initial schema: users, patients, appointments, appointment types, twins, audit, keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Self-contained on purpose (no imports from the app): a migration describes the schema as it
was at this revision. PostgreSQL also gets the btree_gist exclusion constraint that keeps one
clinician's blocking appointments from overlapping, and both databases get triggers that keep
the audit trail append-only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BLOCKING = "status IN ('scheduled', 'checked_in', 'completed')"
STATUSES = (
    "status IN ('scheduled', 'checked_in', 'completed', 'cancelled', 'late_cancelled', 'no_show')"
)
DEFAULT_TYPES = (
    ("intake", 60, "#4e79a7"),
    ("follow_up", 30, "#59a14f"),
    ("therapy", 50, "#b07aa1"),
    ("medication_review", 20, "#f28e2b"),
)
PATIENT_REQUIRED = ("first_name", "last_name", "date_of_birth", "phone")
PATIENT_OPTIONAL = (
    "email",
    "address_line",
    "city",
    "postal_code",
    "country",
    "insurance_provider",
    "insurance_member_id",
    "emergency_contact_name",
    "emergency_contact_phone",
)


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Uuid(), nullable=False)


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("created_by", sa.String(150), nullable=False),
        sa.Column("updated_by", sa.String(150), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def _create_users() -> None:
    op.create_table(
        "users",
        _id(),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", _utc(), nullable=True),
        *_stamps(),
        sa.CheckConstraint("role IN ('frontdesk', 'clinician', 'admin')", name="ck_users_role"),
        _pk("users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )


def _create_patients() -> None:
    op.create_table(
        "patients",
        _id(),
        *(sa.Column(name, sa.LargeBinary(), nullable=False) for name in PATIENT_REQUIRED),
        *(sa.Column(name, sa.LargeBinary(), nullable=True) for name in PATIENT_OPTIONAL),
        sa.Column("email_index", sa.LargeBinary(16), nullable=True),
        sa.Column("dob_bucket", sa.SmallInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        _pk("patients"),
        sa.UniqueConstraint("email_index", name="uq_patients_email_index"),
    )
    op.create_index("ix_patients_dob_bucket", "patients", ["dob_bucket"])
    op.create_index("ix_patients_updated_at", "patients", ["updated_at"])


def _create_appointment_types() -> None:
    table = op.create_table(
        "appointment_types",
        _id(),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("default_minutes", sa.Integer(), nullable=False),
        sa.Column("colour", sa.String(7), nullable=False),
        *_stamps(),
        sa.CheckConstraint("default_minutes > 0", name="ck_appointment_types_positive_minutes"),
        _pk("appointment_types"),
        sa.UniqueConstraint("name", name="uq_appointment_types_name"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {
                "id": uuid.uuid4(),
                "name": name,
                "default_minutes": minutes,
                "colour": colour,
                "created_at": now,
                "updated_at": now,
                "created_by": "migration 0001",
                "updated_by": "migration 0001",
                "version": 1,
            }
            for name, minutes, colour in DEFAULT_TYPES
        ],
    )


def _create_appointments() -> None:
    op.create_table(
        "appointments",
        _id(),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), nullable=False),
        sa.Column("start_at", _utc(), nullable=False),
        sa.Column("end_at", _utc(), nullable=False),
        sa.Column("appointment_type", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("notes", sa.LargeBinary(), nullable=True),
        sa.Column("virtual", sa.Boolean(), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=True),
        sa.Column("status_changed_at", _utc(), nullable=True),
        sa.Column("status_changed_by", sa.String(150), nullable=True),
        sa.Column("cancellation_reason", sa.LargeBinary(), nullable=True),
        *_stamps(),
        sa.CheckConstraint("end_at > start_at", name="ck_appointments_end_after_start"),
        sa.CheckConstraint(STATUSES, name="ck_appointments_status"),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name="fk_appointments_patient_id_patients",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name="fk_appointments_clinician_id_users",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["appointment_type"],
            ["appointment_types.name"],
            name="fk_appointments_appointment_type_appointment_types",
            onupdate="CASCADE",
        ),
        _pk("appointments"),
    )
    op.create_index(
        "ix_appointments_clinician_id_start_at", "appointments", ["clinician_id", "start_at"]
    )
    op.create_index("ix_appointments_start_at", "appointments", ["start_at"])
    op.create_index("ix_appointments_patient_id", "appointments", ["patient_id"])
    op.create_index("ix_appointments_series_id", "appointments", ["series_id"])
    if op.get_bind().dialect.name == "postgresql":
        # btree_gist is a trusted extension (PostgreSQL 13+): a database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE appointments ADD CONSTRAINT ex_appointments_no_overlap "
            "EXCLUDE USING gist (clinician_id WITH =, tstzrange(start_at, end_at) WITH &&) "
            f"WHERE ({BLOCKING})"
        )


def _create_digital_twins() -> None:
    op.create_table(
        "digital_twins",
        _id(),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("symptom_forecast", sa.LargeBinary(), nullable=False),
        sa.Column("biometric_correlations", sa.LargeBinary(), nullable=False),
        sa.Column("medication_responses", sa.LargeBinary(), nullable=False),
        sa.Column("last_updated", _utc(), nullable=True),
        sa.Column("review_status", sa.String(20), nullable=False),
        sa.Column("review_note", sa.LargeBinary(), nullable=True),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "review_status IN ('pending', 'reviewed', 'flagged')", name="ck_digital_twins_review"
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name="fk_digital_twins_patient_id_patients",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["users.id"],
            name="fk_digital_twins_reviewed_by_users",
            ondelete="RESTRICT",
        ),
        _pk("digital_twins"),
        sa.UniqueConstraint("patient_id", name="uq_digital_twins_patient_id"),
    )


def _create_audit_events() -> None:
    op.create_table(
        "audit_events",
        _id(),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        *_stamps(),
        _pk("audit_events"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_user_id", "audit_events", ["user_id"])
    op.create_index("ix_audit_events_entity_id", "audit_events", ["entity_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION novamind_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION novamind_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION novamind_audit_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            )


def _create_encryption_keys() -> None:
    op.create_table(
        "encryption_keys",
        _id(),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("check_value", sa.LargeBinary(16), nullable=False),
        *_stamps(),
        _pk("encryption_keys"),
        sa.UniqueConstraint("key_id", name="uq_encryption_keys_key_id"),
    )


def upgrade() -> None:
    _create_users()
    _create_patients()
    _create_appointment_types()
    _create_appointments()
    _create_digital_twins()
    _create_audit_events()
    _create_encryption_keys()


def downgrade() -> None:
    op.drop_table("encryption_keys")
    op.drop_table("audit_events")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS novamind_audit_append_only()")
    op.drop_table("digital_twins")
    op.drop_table("appointments")  # with its indexes and the exclusion constraint
    op.drop_table("appointment_types")
    op.drop_table("patients")
    op.drop_table("users")
