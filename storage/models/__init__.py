"""Every table, registered on one :data:`metadata` (migrations compare against it)."""

from storage.models.base import NAMING_CONVENTION, Base, BlindIndex, Encrypted, UTCDateTime
from storage.models.console import ConsoleLink, ConsoleSession
from storage.models.directory import (
    Agency,
    DeadlineRule,
    DeadlineSettings,
    DirectoryLoad,
    EmergencyContact,
    FocalPoint,
    Hub,
    Invite,
    ProcessedUpdate,
    Service,
    StaffMember,
)
from storage.models.flows import FlowPublication, FlowRevision
from storage.models.inbox import InboxUpdate
from storage.models.jobs import ScheduledJob
from storage.models.keys import KeyCanary
from storage.models.messages import AgencyMessage
from storage.models.referrals import (
    AuditEntry,
    ConsentRecord,
    Conversation,
    Referral,
    ReferralEvent,
    ReferralHolding,
    Reminder,
)
from storage.models.translations import TranslationCatalog

metadata = Base.metadata

__all__ = [
    "NAMING_CONVENTION", "Agency", "AgencyMessage", "AuditEntry", "Base", "BlindIndex",
    "ConsentRecord", "ConsoleLink", "ConsoleSession",
    "Conversation", "DeadlineRule", "DeadlineSettings", "DirectoryLoad", "EmergencyContact",
    "Encrypted",
    "FlowPublication", "FlowRevision", "FocalPoint", "Hub", "InboxUpdate", "Invite",
    "KeyCanary", "ProcessedUpdate", "Referral",
    "ReferralEvent", "ReferralHolding", "Reminder", "ScheduledJob", "Service", "StaffMember",
    "TranslationCatalog", "UTCDateTime",
    "metadata",
]
