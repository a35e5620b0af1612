"""Wiring: every port implementation on one engine and one cipher.

The composition root (``bot/__main__.py``, a CLI command, a test) builds one
:class:`Storage` and hands its stores to the code that needs them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.ports import (
    AgencyMessages,
    AuditLog,
    ReferralStore,
    ReminderQueue,
    Retention,
    SessionStore,
    StaffStore,
    UpdateLedger,
)
from bot.settings import Settings
from storage.agency_messages import SqlAgencyMessages
from storage.audit import SqlAuditLog
from storage.crypto import Cipher
from storage.database import make_engine
from storage.inbox import SqlInbox
from storage.invites import SqlInviteStore
from storage.locks import SqlChatLocks
from storage.referrals import SqlReferralStore
from storage.reminders import SqlReminderQueue
from storage.retention import SqlRetention
from storage.sessions import SqlSessionStore
from storage.sql import Context
from storage.staff import SqlStaffStore
from storage.updates import SqlUpdateLedger


@dataclass(frozen=True)
class Storage:
    context: Context
    sessions: SqlSessionStore
    referrals: SqlReferralStore
    audit: SqlAuditLog
    reminders: SqlReminderQueue
    staff: SqlStaffStore
    updates: SqlUpdateLedger
    invites: SqlInviteStore
    locks: SqlChatLocks
    retention: SqlRetention
    inbox: SqlInbox
    #: Cards and reveals sent to agencies, to take back (``storage.agency_messages``).
    messages: SqlAgencyMessages

    @classmethod
    def on(cls, engine: Engine, cipher: Cipher) -> Storage:
        context = Context(engine, cipher)
        return cls(context, SqlSessionStore(context), SqlReferralStore(context),
                   SqlAuditLog(context), SqlReminderQueue(context), SqlStaffStore(context),
                   SqlUpdateLedger(context), SqlInviteStore(context), SqlChatLocks(context),
                   SqlRetention(context), SqlInbox(context), SqlAgencyMessages(context))

    @classmethod
    def from_settings(cls, settings: Settings) -> Storage:
        """Keys are checked first, so a missing key fails before any connection is made."""
        cipher = Cipher.from_settings(settings)
        return cls.on(make_engine(settings.database_url), cipher)

    def unit(self) -> AbstractContextManager[object]:
        """One transaction around several store calls (see ``storage.sql.Context.unit``)."""
        return self.context.unit()

    @property
    def engine(self) -> Engine:
        return self.context.engine

    def close(self) -> None:
        self.context.engine.dispose()


def _conforms(storage: Storage) -> tuple[SessionStore, ReferralStore, AuditLog, ReminderQueue,
                                         StaffStore, UpdateLedger, Retention, AgencyMessages]:
    """Never called: mypy checks here that each store satisfies its port."""
    return (storage.sessions, storage.referrals, storage.audit, storage.reminders,
            storage.staff, storage.updates, storage.retention, storage.messages)
