"""Build the product's services from settings: the one place that knows every concrete
class. ``bot/__main__.py``, the CLI commands and the tests call these, nothing else does."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from bot.directory.live import LiveDirectory
from bot.directory.loader import load_directory
from bot.directory.model import Directory
from bot.engine import Engine
from bot.flows.library import ExtraCheck, FlowLibrary, flow_files
from bot.i18n.completeness import flow_translation_problems
from bot.i18n.texts import Texts
from bot.ports import Clock
from bot.service.dispatch import Dispatcher
from bot.service.intake import IntakeDesk
from bot.service.invites import InviteDesk
from bot.service.partners import PartnerChoices
from bot.service.publishing import PublishConflict, Publisher
from bot.service.referrals import ReferralDesk
from bot.service.retention import PurgeSchedule
from bot.service.translations import ServedTexts, TranslationDesk, served_catalogs
from bot.settings import Settings
from storage.catalogs import SqlCatalogStore
from storage.clock import SystemClock
from storage.directory import SqlDirectoryStore
from storage.flowstore import SqlFlowStore
from storage.stores import Storage


@dataclass
class Services:
    settings: Settings
    storage: Storage
    engine: Engine
    directory: Directory
    texts: Texts
    clock: Clock
    intake: IntakeDesk
    referrals: ReferralDesk
    dispatcher: Dispatcher
    invites: InviteDesk
    purges: PurgeSchedule
    #: Translation catalogs as the console manages them (uploads served by every process).
    translations: TranslationDesk | None = None

    def callback_key(self) -> bytes:
        """The key that signs buttons: given, or derived from the index or first key."""
        settings = self.settings
        if settings.callback_key:
            return settings.callback_key.encode("utf-8")
        secret = settings.index_key or settings.keys[0]
        return hashlib.sha256(b"intake callbacks\0" + secret.encode("utf-8")).digest()


def current_directory(settings: Settings, storage: Storage) -> LiveDirectory:
    """The directory last loaded into the database (``intake directory load``, the console),
    so every process serves the same one, followed as new ones are loaded; the configured
    file until one was loaded (or while the database is not migrated yet: `intake run`
    migrates, then builds again)."""
    return LiveDirectory(SqlDirectoryStore(storage.context),
                         lambda: load_directory(settings.directory))


def flow_checks(settings: Settings, storage: Storage | None = None) -> list[ExtraCheck]:
    """The checks beyond the flow checker every publish runs: translations complete, in the
    catalogs as served (with ``storage``: the newest uploads through the console over the
    shipped PO files, read when the check runs; without: the PO files only)."""
    if storage is None:
        return [lambda flows: flow_translation_problems(flows, settings.locales)]
    store = SqlCatalogStore(storage.context)
    return [lambda flows: flow_translation_problems(
        flows, settings.locales, served_catalogs(store, settings.locales))]


def published_flows(settings: Settings, storage: Storage, clock: Clock) -> FlowLibrary:
    """The flows published in the database, followed as they change. An empty database
    gets the configured (by default the bundled) flows published first."""
    store = SqlFlowStore(storage.context)
    try:
        version = store.version()
    except DBAPIError:  # not migrated yet: `intake run` migrates, then builds again
        return FlowLibrary.load(flow_files(settings.flows), flow_checks(settings, storage))
    library = FlowLibrary(store)
    if version == 0:
        try:
            published = Publisher(store, clock).publish(
                flow_files(settings.flows), flow_checks(settings, storage), by="first start",
                note="the configured flows, published on the first start")
        except PublishConflict:  # another process published them at the same moment
            published = None
        if published is not None and published.number is not None:
            library.install(published.number, published.flows)
    library.refresh(force=True)
    return library


def build_services(settings: Settings, storage: Storage | None = None,
                   clock: Clock | None = None) -> Services:
    storage = storage or Storage.from_settings(settings)
    clock = clock or SystemClock()
    library = published_flows(settings, storage, clock)
    directory = current_directory(settings, storage)
    catalogs = SqlCatalogStore(storage.context)
    texts = ServedTexts(settings.locales, catalogs)
    partners = PartnerChoices(directory, storage.staff)
    engine = Engine(library, texts, directory.hub_choices, partners)
    referrals = ReferralDesk(storage.referrals, storage.reminders, storage.audit, directory,
                             clock, storage.unit, partners.enrolled)
    intake = IntakeDesk(engine, storage.sessions, referrals, clock, storage.unit,
                        storage.updates, timedelta(minutes=settings.idle_minutes))
    dispatcher = Dispatcher(storage.referrals, storage.reminders, storage.staff, storage.audit,
                            directory, clock, storage.unit)
    invites = InviteDesk(storage.invites, storage.staff, storage.audit, clock, storage.unit)
    purges = PurgeSchedule(
        storage.retention, clock,
        timedelta(hours=settings.purge_hours) if settings.purge_hours else None,
        older_than=timedelta(days=settings.retention_days),
        idle=timedelta(minutes=settings.idle_minutes))
    return Services(settings, storage, engine, directory, texts, clock, intake, referrals,
                    dispatcher, invites, purges,
                    translations=TranslationDesk(settings.locales, settings.flows, catalogs,
                                                 texts, clock))
