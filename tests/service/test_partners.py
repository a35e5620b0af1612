"""A partner the referrer chose is honoured only while the service map lists it for the
need in the hub and it has a focal point enrolled; otherwise the hub's focal point gets the
referral. Either way the case deadline is set once, from the risk, at identification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.directory import load_directory
from bot.ports import Staff
from bot.service.partners import PartnerChoices
from bot.service.referrals import ReferralDesk
from storage import migrate
from storage.clock import FixedClock
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.stores import Storage
from tests.storage.builders import consent, request
from tests.storage.conftest import NOW


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    migrate.upgrade(engine)
    yield Storage.on(engine, Cipher([generate_key()], index_key=generate_key()))
    engine.dispose()


def desk_on(storage: Storage) -> tuple[ReferralDesk, Staff]:
    directory = load_directory()
    choices = PartnerChoices(directory, storage.staff)
    desk = ReferralDesk(storage.referrals, storage.reminders, storage.audit, directory,
                        FixedClock(NOW), storage.unit, choices.enrolled)
    referrer = storage.staff.get(storage.staff.enrol(1, "referrer", agency=None,
                                                     hub="gaziantep", language="en", at=NOW))
    return desk, referrer


@pytest.mark.parametrize(("partner", "enrolled", "agency", "via"), [
    ("example_law", ["example_law"], "example_law", "partner"),
    ("example_law", [], "example_relief", "focal_point"),            # nobody to read it
    ("example_women", ["example_women"], "example_relief", "focal_point"),  # not mapped
    ("example_relief", ["example_relief"], "example_relief", "focal_point"),  # the focal point
    (None, ["example_law"], "example_relief", "focal_point"),
])
def test_a_chosen_partner_is_honoured_only_when_mapped_and_enrolled(
        storage: Storage, partner: str | None, enrolled: list[str], agency: str,
        via: str) -> None:
    desk, referrer = desk_on(storage)
    for number, member in enumerate(enrolled, start=100):
        storage.staff.enrol(number, "focal_point", agency=member, hub="gaziantep",
                            language="en", at=NOW)
    submitted = desk.submit(request(case_type="protection", partner=partner), referrer,
                            consent())
    record = storage.referrals.get(submitted.code)
    assert (record.agency, record.via, record.partner_chosen) == (agency, via,
                                                                  via == "partner")
    assert record.case_due_at == NOW + timedelta(hours=48)  # high risk: 48 hours


def test_the_partners_offered_are_those_of_the_map_with_someone_enrolled(
        storage: Storage) -> None:
    choices = PartnerChoices(load_directory(), storage.staff)
    assert choices("gaziantep", "protection") == []
    for number, member in enumerate(["example_community", "example_law"], start=100):
        storage.staff.enrol(number, "focal_point", agency=member, hub="gaziantep",
                            language="en", at=NOW)
    assert [c.id for c in choices("gaziantep", "protection")] == ["example_law",
                                                                  "example_community"]
    assert [c.id for c in choices("hatay", "protection")] == ["example_law"]
