"""Messages to other people go through the reminder queue, never straight to Telegram.

A referral card, a status notice to the referrer, a reminder: each is a row written in the
same transaction as the state change behind it, and a dispatcher sends it afterwards. A send
that fails leaves the row unsent, to be claimed again; the state change is never lost.
"""

from __future__ import annotations

#: Send the referral card to every active focal point of the agency.
CARD = "card"
#: Tell the referrer of a status change; the row's kind carries the status it announces
#: (``status:accepted``), since the referral may have moved on by the time it is sent.
STATUS = "status"
#: Look at the referral's clock: remind, escalate, or nothing yet.
CHECK = "check"
#: Tell the agency that consent was withdrawn and the data erased.
ERASED = "erasure_notice"
#: Tell the referrer the same.
ERASED_REFERRER = "erasure_referrer"
#: Tell the agency, then the referrer, that the retention purge erased the data.
PURGED = "purge_notice"
PURGED_REFERRER = "purge_referrer"
#: Tell the hub coordinators that a referral could not be routed.
UNROUTED = "unrouted"

KINDS = (CARD, STATUS, CHECK, ERASED, ERASED_REFERRER, PURGED, PURGED_REFERRER, UNROUTED)
#: Notices of an erasure: sent although the referral is erased; one to an agency with no
#: focal point goes to the hub's coordinators, and one with no one to read it is not
#: marked sent (it waits for someone to enrol).
ERASURE_NOTICES = (ERASED, ERASED_REFERRER, PURGED, PURGED_REFERRER)
TO_REFERRER = (ERASED_REFERRER, PURGED_REFERRER)


def status_kind(status: str) -> str:
    return f"{STATUS}:{status}"


def announced(kind: str) -> str | None:
    """The status a ``status:...`` row announces, or None for any other row."""
    head, _, status = kind.partition(":")
    return status or None if head == STATUS else None
