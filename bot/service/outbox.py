"""Messages to other people go through the reminder queue, never straight to Telegram.

A referral card, a status notice to the referrer, a reminder: each is a row written in the
same transaction as the state change behind it, and a dispatcher sends it afterwards. A send
that fails leaves the row unsent, to be claimed again; the state change is never lost.
"""

from __future__ import annotations

#: Send the referral card to every active focal point of the agency.
CARD = "card"
#: Tell the referrer the referral's current status.
STATUS = "status"
#: Look at the referral's clock: remind, escalate, or nothing yet.
CHECK = "check"
#: Tell the agency that consent was withdrawn and the data erased.
ERASED = "erasure_notice"
#: Tell the hub coordinators that a referral could not be routed.
UNROUTED = "unrouted"

KINDS = (CARD, STATUS, CHECK, ERASED, UNROUTED)
