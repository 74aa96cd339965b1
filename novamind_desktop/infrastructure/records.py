"""The tables, as SQLAlchemy 2.x declarative records. Nothing here leaves `infrastructure`.

Every PHI column is `bytes`: ciphertext from FieldCipher, bound to its table, column and row id.
The migrations in alembic/versions create exactly this schema (`alembic check` proves it).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    TypeDecorator,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Must equal domain.appointments.BLOCKING_STATUSES (tests check it); the PostgreSQL exclusion
# constraint only considers appointments in these statuses.
BLOCKING_STATUS_VALUES = ("scheduled", "checked_in", "completed")
APPOINTMENT_STATUS_VALUES = (*BLOCKING_STATUS_VALUES, "cancelled", "late_cancelled", "no_show")
NO_OVERLAP_CONSTRAINT = "ex_appointments_no_overlap"


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both databases.

    PostgreSQL stores timestamptz. SQLite has no time zones: the value is stored as naive UTC
    and the zone is re-attached on load. Naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a naive datetime cannot be stored; attach a time zone first")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), UUID: Uuid(), bytes: LargeBinary()}


class Record(Base):
    """Columns every table has: a UUID made in Python, who/when stamps, a version counter."""

    __abstract__ = True

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4, sort_order=-1)
    created_at: Mapped[datetime] = mapped_column(sort_order=1)
    updated_at: Mapped[datetime] = mapped_column(sort_order=1)
    created_by: Mapped[str] = mapped_column(String(150), sort_order=1)
    updated_by: Mapped[str] = mapped_column(String(150), sort_order=1)
    version: Mapped[int] = mapped_column(Integer, sort_order=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # UPDATE ... WHERE id = ? AND version = ?; zero rows matched -> StaleDataError.
        return {"version_id_col": cls.__table__.c.version}


class UserRecord(Record):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean)
    failed_sign_ins: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None]

    __table_args__ = (CheckConstraint("role IN ('frontdesk', 'clinician', 'admin')", name="role"),)


class PatientRecord(Record):
    """All PHI is ciphertext. Lookups: email by blind index, date of birth by coarse bucket."""

    __tablename__ = "patients"

    first_name: Mapped[bytes]
    last_name: Mapped[bytes]
    date_of_birth: Mapped[bytes]
    phone: Mapped[bytes]
    email: Mapped[bytes | None]
    address_line: Mapped[bytes | None]
    city: Mapped[bytes | None]
    postal_code: Mapped[bytes | None]
    country: Mapped[bytes | None]
    insurance_provider: Mapped[bytes | None]
    insurance_member_id: Mapped[bytes | None]
    emergency_contact_name: Mapped[bytes | None]
    emergency_contact_phone: Mapped[bytes | None]
    email_index: Mapped[bytes | None] = mapped_column(LargeBinary(16), unique=True)
    dob_bucket: Mapped[int] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_patients_updated_at", "updated_at"),
        # A date-of-birth lookup reads its bucket's ids and sealed birth dates from this
        # index alone (SQLite; repositories/patient_rows.py), then only the matching rows.
        Index("ix_patients_dob_lookup", "dob_bucket", "id", "date_of_birth"),
    )


class AppointmentTypeRecord(Record):
    __tablename__ = "appointment_types"

    name: Mapped[str] = mapped_column(String(50), unique=True)
    default_minutes: Mapped[int] = mapped_column(Integer)
    colour: Mapped[str] = mapped_column(String(7))

    __table_args__ = (CheckConstraint("default_minutes > 0", name="positive_minutes"),)


class AppointmentRecord(Record):
    __tablename__ = "appointments"

    patient_id: Mapped[UUID] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    clinician_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    appointment_type: Mapped[str] = mapped_column(
        String(50), ForeignKey("appointment_types.name", onupdate="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(20))
    notes: Mapped[bytes | None]
    virtual: Mapped[bool] = mapped_column(Boolean)
    location: Mapped[str] = mapped_column(String(200))
    series_id: Mapped[UUID | None] = mapped_column(index=True)
    status_changed_at: Mapped[datetime | None]
    status_changed_by: Mapped[str | None] = mapped_column(String(150))
    cancellation_reason: Mapped[bytes | None]

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in APPOINTMENT_STATUS_VALUES) + ")",
            name="status",
        ),
        Index("ix_appointments_clinician_id_start_at", "clinician_id", "start_at"),
        Index("ix_appointments_start_at", "start_at"),
        Index("ix_appointments_patient_id", "patient_id"),
    )


# No two blocking appointments of one clinician overlap: enforced by PostgreSQL itself
# (btree_gist makes "=" on a uuid usable in a GiST index). SQLite checks inside the booking
# transaction instead (repositories/appointments.py).
_appointments = Base.metadata.tables["appointments"]
_appointments.append_constraint(
    ExcludeConstraint(
        (_appointments.c.clinician_id, "="),
        (func.tstzrange(_appointments.c.start_at, _appointments.c.end_at), "&&"),
        name=NO_OVERLAP_CONSTRAINT,
        using="gist",
        where=text("status IN (" + ", ".join(f"'{s}'" for s in BLOCKING_STATUS_VALUES) + ")"),
    ).ddl_if(dialect="postgresql")
)


class DigitalTwinRecord(Record):
    __tablename__ = "digital_twins"

    patient_id: Mapped[UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="RESTRICT"), unique=True
    )
    symptom_forecast: Mapped[bytes]
    biometric_correlations: Mapped[bytes]
    medication_responses: Mapped[bytes]
    last_updated: Mapped[datetime | None]
    review_status: Mapped[str] = mapped_column(String(20))
    review_note: Mapped[bytes | None]
    reviewed_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    __table_args__ = (
        CheckConstraint("review_status IN ('pending', 'reviewed', 'flagged')", name="review"),
    )


class AuditEventRecord(Record):
    """Append-only (triggers refuse UPDATE and DELETE). `detail` never holds PHI."""

    __tablename__ = "audit_events"

    at: Mapped[datetime]
    user_id: Mapped[UUID | None]
    username: Mapped[str] = mapped_column(String(150))
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_user_id", "user_id"),
        Index("ix_audit_events_entity_id", "entity_id"),
    )


class EncryptionKeyRecord(Record):
    """One row per master key this database has seen: its id and a check value (an HMAC)."""

    __tablename__ = "encryption_keys"

    key_id: Mapped[str] = mapped_column(String(8), unique=True)  # hex of MasterKey.key_id
    check_value: Mapped[bytes] = mapped_column(LargeBinary(16))


class OpeningHoursRecord(Record):
    """Added by migration 0002."""

    __tablename__ = "clinic_opening_hours"

    weekday: Mapped[int] = mapped_column(SmallInteger, unique=True)  # 0 = Monday
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("closes > opens", name="closes_after_opens"),
    )


TABLES_WITH_PHI: dict[str, tuple[str, ...]] = {
    "patients": (
        "first_name",
        "last_name",
        "date_of_birth",
        "phone",
        "email",
        "address_line",
        "city",
        "postal_code",
        "country",
        "insurance_provider",
        "insurance_member_id",
        "emergency_contact_name",
        "emergency_contact_phone",
    ),
    "appointments": ("notes", "cancellation_reason"),
    "digital_twins": (
        "symptom_forecast",
        "biometric_correlations",
        "medication_responses",
        "review_note",
    ),
}
