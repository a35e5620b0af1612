"""Published flow revisions: what every process serves, and since when.

A publication is one numbered, all-or-nothing change to what runs: which revision of each
flow is current. A revision keeps the text of its flow and of every flow it includes, as
published, so a conversation pinned to it can be compiled again by any process, at any time.
Nothing here describes a person; nothing is encrypted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class FlowPublication(Base):
    __tablename__ = "flow_publications"

    #: Counts up by one per publish, rollback or withdrawal: the version every process polls.
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text, default="")
    #: Flow id to its current revision after this publication.
    current: Mapped[dict[str, int]] = mapped_column(JSON)


class FlowRevision(Base):
    __tablename__ = "flow_revisions"

    flow_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    publication: Mapped[int] = mapped_column(
        ForeignKey("flow_publications.number"), index=True)
    checksum: Mapped[str] = mapped_column(String(64))
    #: ``{"files": {file name: YAML text}}``: the flow and every flow it includes.
    content: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
