"""Drafts: flow files a coordinator uploads to check, try and then publish.

An upload is read safely (a size limit for the whole upload, plain file names, UTF-8 text,
YAML through the project's safe loader) and checked exactly as ``intake flows publish``
checks: together with every other published flow, translations included, without storing
anything. Whatever is wrong comes back as the checker's problems, each with file and line;
a refused upload changes nothing. A draft that passes is kept in memory only, for the
coordinator who uploaded it, for a limited time and in a bounded number, so it can be tried
in the simulator and then published; a restart forgets it.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PureWindowsPath

from bot.flows.library import ExtraCheck, Source
from bot.flows.model import Flow
from bot.flows.problems import FlowError, Problem
from bot.i18n.texts import N_
from bot.ports import Clock
from bot.service.publishing import Published, Publisher

#: The most an upload may weigh, all its files together (the longest shipped flow is 30 KB).
MAX_UPLOAD_BYTES = 256 * 1024
#: The most files one upload may carry (a flow and the flows it includes).
MAX_FILES = 12
#: How long a checked draft waits to be tried or published, and how many are kept at once
#: (per coordinator, and in all).
DRAFT_LIFETIME = timedelta(hours=1)
DRAFTS_PER_STAFF = 4
MAX_DRAFTS = 200

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class UploadRefused(ValueError):
    """The upload cannot be checked at all; ``message`` (an interface text to translate)
    and ``params`` say why. Nothing was read further and nothing changed."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Draft:
    """Checked flow files, not published: what a publish of them would make."""

    id: str
    staff_id: int
    sources: tuple[Source, ...]
    #: Every flow as it would run after a publish (the uploaded ones and the published
    #: others), revision numbers as a publish would assign them.
    flows: dict[str, Flow] = field(compare=False)
    #: The revisions a publish would make: (flow id, revision); empty when nothing changed.
    changed: tuple[tuple[str, int], ...]
    created: datetime

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(source.file for source in self.sources)

    @property
    def uploaded(self) -> tuple[str, ...]:
        """The ids of the flows the uploaded files define, in the order given."""
        names = set(self.files)
        return tuple(fid for fid, flow in self.flows.items() if flow.file in names)


@dataclass(frozen=True)
class Checked:
    """The outcome of checking an upload: a draft, or the problems found (never both)."""

    draft: Draft | None
    problems: tuple[Problem, ...] = ()


def file_name(given: str) -> str:
    """The name an uploaded file is known by: its last path part, which must be plain and
    end in ``.yaml`` (or ``.yml``); UploadRefused otherwise."""
    name = PureWindowsPath(given.replace("/", "\\")).name.strip()
    if not name:
        raise UploadRefused(N_("Choose a flow file (.yaml) to upload."))
    if not name.lower().endswith((".yaml", ".yml")):
        raise UploadRefused(N_("%(file)s is not a flow file: its name must end in .yaml."),
                            file=name[:80])
    if not _NAME.match(name):
        raise UploadRefused(N_("%(file)s: a file name may use only letters, digits, dots, "
                               "dashes and underscores."), file=name[:80])
    return name


def read_upload(files: Sequence[tuple[str, bytes]]) -> list[Source]:
    """The uploaded files as sources, or UploadRefused naming the first thing wrong."""
    files = [(name, data) for name, data in files if name or data]
    if not files:
        raise UploadRefused(N_("Choose a flow file (.yaml) to upload."))
    if len(files) > MAX_FILES:
        raise UploadRefused(N_("Upload at most %(count)s files at once."), count=MAX_FILES)
    if sum(len(data) for _, data in files) > MAX_UPLOAD_BYTES:
        raise UploadRefused(N_("The upload is larger than %(size)s KB, so it was not read."),
                            size=MAX_UPLOAD_BYTES // 1024)
    sources: list[Source] = []
    for given, data in files:
        name = file_name(given)
        if any(source.file == name for source in sources):
            raise UploadRefused(N_("%(file)s was uploaded twice."), file=name)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadRefused(N_("%(file)s is not UTF-8 text."), file=name) from None
        sources.append(Source(name, text.removeprefix("\ufeff")))
    return sources


def check_upload(files: Sequence[tuple[str, bytes]], publisher: Publisher,
                 extra: Sequence[ExtraCheck], staff_id: int, clock: Clock) -> Checked:
    """Check uploaded files as a publish would, storing nothing: a draft, or every problem.
    UploadRefused when the upload cannot even be read."""
    sources = read_upload(files)
    try:
        outcome: Published = publisher.publish_sources(sources, extra, by="", dry_run=True)
    except FlowError as error:
        return Checked(None, tuple(error.problems))
    draft = Draft(secrets.token_urlsafe(16), staff_id, tuple(sources), outcome.flows,
                  outcome.changed, clock.now())
    return Checked(draft)


class DraftShelf:
    """Checked drafts in memory, by id, each visible to its coordinator only; bounded and
    expiring. Safe to share between threads."""

    def __init__(self, clock: Clock, lifetime: timedelta = DRAFT_LIFETIME,
                 per_staff: int = DRAFTS_PER_STAFF, limit: int = MAX_DRAFTS) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._per_staff = per_staff
        self._limit = limit
        self._drafts: OrderedDict[str, Draft] = OrderedDict()
        self._lock = threading.Lock()

    def _expire(self) -> None:
        now = self._clock.now()
        for key in [k for k, d in self._drafts.items() if now - d.created >= self._lifetime]:
            del self._drafts[key]

    def keep(self, draft: Draft) -> None:
        """Keep a draft; the coordinator's oldest, then anyone's oldest, make room."""
        with self._lock:
            self._expire()
            own = [k for k, d in self._drafts.items() if d.staff_id == draft.staff_id]
            for key in own[:max(len(own) - self._per_staff + 1, 0)]:
                del self._drafts[key]
            while len(self._drafts) >= self._limit:
                self._drafts.popitem(last=False)
            self._drafts[draft.id] = draft

    def get(self, draft_id: str, staff_id: int) -> Draft | None:
        """The draft if it exists, has not expired and is this coordinator's."""
        with self._lock:
            self._expire()
            draft = self._drafts.get(draft_id)
            return draft if draft is not None and draft.staff_id == staff_id else None

    def drop(self, draft_id: str) -> None:
        with self._lock:
            self._drafts.pop(draft_id, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._drafts)
