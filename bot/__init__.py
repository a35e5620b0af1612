"""Guided protection intake and referral routing for frontline staff."""

__version__ = "0.1.0"
