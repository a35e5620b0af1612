"""Initial schema.

Directory, staff, conversations, referrals and their trail, reminders, audit log and
processed update ids.

Encrypted columns are plain TEXT holding Fernet tokens; times are TIMESTAMP WITH TIME ZONE
(SQLite stores them as UTC text). Constraint names follow the metadata's naming convention,
so later batch migrations on SQLite can find them.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _str(name: str, length: int, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _json(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.JSON(), nullable=False)


def _secret(name: str, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _fk(column: str, table: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [target], ondelete=ondelete,
        name=op.f(f"fk_{table}_{column}_{target.split('.')[0]}"))


def upgrade() -> None:
    op.create_table(
        "hubs",
        _str("id", 64), _json("names"), _json("areas"), _str("coordinator", 64, True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs")))
    op.create_table(
        "agencies",
        _str("id", 64), _json("names"), _str("kind", 32), _json("languages"),
        _str("phone", 64), _str("email", 254), _str("website", 254), _json("hubs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")))
    op.create_table(
        "focal_points",
        _id(), _str("hub_id", 64), _str("case_type", 64),
        _str("primary_agency_id", 64, True), _str("backup_agency_id", 64, True),
        _fk("hub_id", "focal_points", "hubs.id", "CASCADE"),
        _fk("primary_agency_id", "focal_points", "agencies.id", "SET NULL"),
        _fk("backup_agency_id", "focal_points", "agencies.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focal_points")),
        sa.UniqueConstraint("hub_id", "case_type",
                            name=op.f("uq_focal_points_hub_id_case_type")))
    op.create_table(
        "emergency_contacts",
        _id(), _str("hub_id", 64), _str("category", 32), _str("name", 200),
        _str("phone", 64), _str("hours", 100),
        _fk("hub_id", "emergency_contacts", "hubs.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_contacts")))
    op.create_index(op.f("ix_emergency_contacts_hub_id"), "emergency_contacts", ["hub_id"])
    op.create_table(
        "services",
        _id(), _str("agency_id", 64), _str("service", 64), _str("profile", 64),
        _str("point", 16), _json("hubs"), _json("names"),
        sa.CheckConstraint("point IN ('entry', 'funnelling')", name=op.f("ck_services_point")),
        _fk("agency_id", "services", "agencies.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("agency_id", "service", "profile",
                            name=op.f("uq_services_agency_id_service_profile")))
    op.create_table(
        "staff",
        _id(), _str("telegram_id_index", 64), _secret("telegram_id", nullable=False),
        _str("role", 16), _str("agency", 64, True), _str("hub", 64, True),
        _str("language", 16),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("unreachable", sa.Boolean(), nullable=False),
        _time("enrolled_at"), _time("revoked_at", True),
        sa.CheckConstraint("role IN ('referrer', 'focal_point', 'coordinator')",
                           name=op.f("ck_staff_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("telegram_id_index", name=op.f("uq_staff_telegram_id_index")))
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        _time("at"),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")))
    op.create_index(op.f("ix_processed_updates_at"), "processed_updates", ["at"])
    op.create_table(
        "conversations",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        _secret("state", nullable=False), _time("created_at"), _time("updated_at"),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_conversations")))
    op.create_index(op.f("ix_conversations_updated_at"), "conversations", ["updated_at"])
    op.create_table(
        "referrals",
        _id(), _str("code", 16), _str("flow_id", 64),
        sa.Column("flow_revision", sa.Integer(), nullable=False),
        _str("hub", 64, True), _str("case_type", 64), _str("risk", 16, True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        _str("status", 20), _str("agency", 64, True),
        sa.Column("partner_chosen", sa.Boolean(), nullable=False),
        _str("via", 16, True),
        sa.Column("referrer_id", sa.Integer(), nullable=True),
        _time("acknowledge_by", True), _time("respond_by", True), _time("due_at", True),
        _time("status_since"),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        _secret("card"), _secret("contact"),
        _str("consent_scopes", 200), _str("override_reason", 64, True),
        _time("created_at"), _time("closed_at", True), _time("erased_at", True),
        _fk("referrer_id", "referrals", "staff.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("code", name=op.f("uq_referrals_code")))
    for column in ("agency", "created_at", "hub"):
        op.create_index(op.f(f"ix_referrals_{column}"), "referrals", [column])
    op.create_index("ix_referrals_due_at", "referrals", ["due_at"])
    op.create_table(
        "consent_records",
        _id(), sa.Column("referral_id", sa.Integer(), nullable=False),
        _json("granted"), _json("refused"), _str("given_by", 32), _str("method", 32),
        _str("override_reason", 64, True), _time("recorded_at"), _time("withdrawn_at", True),
        _fk("referral_id", "consent_records", "referrals.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")))
    op.create_index(op.f("ix_consent_records_referral_id"), "consent_records",
                    ["referral_id"])
    op.create_table(
        "referral_events",
        _id(), sa.Column("referral_id", sa.Integer(), nullable=False),
        _str("status", 20), _time("at"), _str("actor", 64), _str("agency", 64, True),
        _secret("reason"),
        _fk("referral_id", "referral_events", "referrals.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_events")))
    op.create_index(op.f("ix_referral_events_referral_id"), "referral_events",
                    ["referral_id"])
    op.create_table(
        "reminders",
        _id(), sa.Column("referral_id", sa.Integer(), nullable=True),
        _str("kind", 32), _str("agency", 64, True), _time("due_at"),
        _str("claimed_by", 64, True), _time("claimed_at", True), _time("sent_at", True),
        _fk("referral_id", "reminders", "referrals.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")))
    op.create_index(op.f("ix_reminders_referral_id"), "reminders", ["referral_id"])
    op.create_index("ix_reminders_sent_at_due_at", "reminders", ["sent_at", "due_at"])
    op.create_table(
        "audit_log",
        _id(), _time("at"), _str("actor", 64), _str("action", 32),
        _str("referral_code", 16, True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")))
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_referral_code"), "audit_log", ["referral_code"])


def downgrade() -> None:
    for table in ("audit_log", "reminders", "referral_events", "consent_records", "referrals",
                  "conversations", "processed_updates", "staff", "services",
                  "emergency_contacts", "focal_points", "agencies", "hubs"):
        op.drop_table(table)
