"""The partner agencies offered to a referrer, checked against the staff enrolled.

Glue between the pure rule (:mod:`bot.routing.partners`) and the stores: an agency counts
as able to receive a referral when it has at least one active focal point enrolled.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.directory.model import Directory
from bot.engine.context import HubChoice
from bot.ports import StaffStore
from bot.routing.partners import partner_agencies


@dataclass
class PartnerChoices:
    directory: Directory
    staff: StaffStore

    def enrolled(self, agency: str) -> bool:
        return bool(self.staff.members(role="focal_point", agency=agency))

    def __call__(self, hub: str, case_type: str) -> list[HubChoice]:
        """The engine's ``partners``: agency ids with their names, for a question."""
        return [HubChoice(agency.id, agency.names) for agency in
                partner_agencies(self.directory.current(), hub, case_type,
                                         self.enrolled)]
