"""The fixed words of the directory: case types, profiles, agency kinds, risk levels.

They are code, not data, because routing, reports and the flows' ``refer`` nodes must agree
on them; everything else about a hub (who, where, when) is coordinator data.
"""

from __future__ import annotations

import re

from bot.flows.model import URGENT_CATEGORIES

# The four case types of the 2016 PWG minutes plus the two specialised pathways.
CASE_TYPES = ("protection", "medical", "legal", "material_assistance", "child_protection", "gbv")

# Columns of the referral-pathway table (SGBV CM workshop, 2017), left to right.
PROFILES = ("girls", "boys", "women", "men", "lgbti", "persons_with_disabilities", "other")

AGENCY_KINDS = ("international", "national", "community_based")

EMERGENCY_CATEGORIES = URGENT_CATEGORIES  # health, safety, interim_care, other

# Service-mapping codes: the workshop's "1" and "2"; 0 marks a service given to a profile
# without being a pathway's entry or funnelling point (a cell with a service and no number).
ENTRY_POINT = 1
FUNNELLING_POINT = 2
PROVIDER = 0
POINT_CODES = {ENTRY_POINT: "entry point", FUNNELLING_POINT: "funnelling point",
               PROVIDER: "provider"}
POINT_NAMES = {ENTRY_POINT: "entry", FUNNELLING_POINT: "funnelling", PROVIDER: "provider"}

# Risk levels a deadline table knows; a referral whose risk was never rated is "unrated".
RISK_LEVELS = ("high", "medium", "low", "unrated")

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")


def choices(values: tuple[str, ...]) -> str:
    """``a, b, c`` for error messages that list what would have been accepted."""
    return ", ".join(values)
