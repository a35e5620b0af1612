"""The counts the report keeps per cell, in order, and how each is read."""

from __future__ import annotations

#: Per cell of referrals made (month, hub, case type, risk).
MEASURES = (
    "made",  # referrals made: the base of every share and of suppression
    "ack_in_time",  # the first agency acknowledged within its acknowledgement clock
    "ack_decided",  # the first agency acknowledged, or its clock ran out without
    "closed_in_time",  # closed no later than the case deadline
    "case_decided",  # closed, or the case deadline passed while it was open
    "accepted",  # accepted by an agency
    "declined",  # declined by an agency
    "forwarded",  # forwarded at least once (by hand or by escalation)
    "closed",  # closed now
    "closed_notified",  # closed, and the outcome notice reached the referrer
    "escalated_backup",  # escalated to the backup focal point
    "escalated_coordinator",  # escalated to the hub coordinator
    "overdue",  # open now, and its running clock has passed
)
#: Per agency cell (month, hub, agency): what happened while the agency held a referral.
#: The row's base is the agency a referral was first sent to, so that the rows of the agency
#: table add up to the referrals made (unrouted ones under ``unrouted``), like every other
#: table; the other counts follow each holding, so a forwarded referral counts for the
#: agency that forwarded it and for the one that holds it.
AGENCY_MEASURES = (
    "made_to",  # referrals first sent to it (routed there when they were made): the base
    "received",  # sent, forwarded or escalated to it
    "ack_in_time",  # it acknowledged within its own acknowledgement clock
    "ack_decided",  # it acknowledged, or its clock ran out without
    "accepted",
    "declined",
    "forwarded_on",  # it passed the referral on (or it was escalated away from it)
    "held_now",  # it holds the referral now
    "overdue",  # it holds it now and its running clock has passed
)
