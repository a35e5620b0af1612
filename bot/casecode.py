"""Case codes: the only name a referral has, read out over a bad phone line.

A code such as ``K7Q-4MX-2PY`` is eight random symbols and one check symbol, in groups of
three. Why this shape:

* **Non-identifying and unguessable.** The symbols come from :mod:`secrets`, never from the
  person, the date or a counter, so a code says nothing about who or when, and the next code
  cannot be derived from the last. Eight symbols give 31**8, about 8.5e11 codes (40 bits):
  random collisions are negligible and a blind guess almost never names a real referral
  (and a guess alone shows nothing: every lookup is access-controlled and audited).
* **Typo-safe.** The alphabet is Crockford's base 32 (digits and letters without I, L, O, U)
  minus V, which is read and heard like U, Y and B: 31 symbols. On input, case is ignored,
  hyphens and spaces are dropped, O reads as 0 and I or L as 1.
* **A check symbol that catches the usual slips.** Symbol ``i`` (counting from 1, the check
  symbol being the ninth) carries weight ``i``; the check symbol makes the weighted sum
  divisible by 31. Because 31 is prime and larger than any weight or any difference of
  two symbol values, a single wrong symbol changes the sum by ``weight * difference``,
  never a multiple of 31, and swapping two neighbours changes it by ``±difference``, never
  a multiple of 31 either. So every single substitution and every adjacent transposition is
  caught, the check symbol included.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTWXYZ"
MODULUS = len(ALPHABET)  # 31, a prime
DATA_LENGTH = 8
GROUP = 3
LENGTH = DATA_LENGTH + 1

_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_READS_AS = {"O": "0", "I": "1", "L": "1"}
_SEPARATORS = frozenset("- \t.")

assert MODULUS == 31 and LENGTH < MODULUS  # the proof in the docstring needs both


class CaseCodeError(ValueError):
    """Not a case code; the message says why, in words a referrer can act on."""


def check_symbol(data: str) -> str:
    """The symbol that makes the weighted sum of ``data`` + itself divisible by 31."""
    total = sum(weight * _VALUE[symbol] for weight, symbol in enumerate(data, 1))
    weight = len(data) + 1
    # Solve total + weight * c ≡ 0 (mod 31); weight is invertible as 0 < weight < 31.
    value = (-total * pow(weight, -1, MODULUS)) % MODULUS
    return ALPHABET[value]


def _is_consistent(symbols: str) -> bool:
    return sum(weight * _VALUE[s] for weight, s in enumerate(symbols, 1)) % MODULUS == 0


def format_code(symbols: str) -> str:
    """``K7Q4MX2PY`` → ``K7Q-4MX-2PY``."""
    return "-".join(symbols[i:i + GROUP] for i in range(0, len(symbols), GROUP))


def new_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh random code, formatted. ``randbelow`` is replaceable only for tests."""
    data = "".join(ALPHABET[randbelow(MODULUS)] for _ in range(DATA_LENGTH))
    return format_code(data + check_symbol(data))


def normalise(text: str) -> str:
    """Upper case, separators dropped, look-alikes mapped; no validation."""
    out = []
    for char in text.strip().upper():
        if char in _SEPARATORS:
            continue
        out.append(_READS_AS.get(char, char))
    return "".join(out)


def parse(text: str) -> str:
    """The canonical form of a typed code, or :class:`CaseCodeError` saying what is wrong."""
    symbols = normalise(text)
    if len(symbols) != LENGTH:
        raise CaseCodeError(f"a case code has {LENGTH} characters, like K7Q-4MX-2PY; "
                            f"this one has {len(symbols)}")
    unknown = sorted({s for s in symbols if s not in _VALUE})
    if unknown:
        raise CaseCodeError(f"a case code never contains {', '.join(unknown)}; "
                            "please check the code")
    if not _is_consistent(symbols):
        raise CaseCodeError("this case code has a mistyped or swapped character; "
                            "please check the code")
    return format_code(symbols)


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except CaseCodeError:
        return False
    return True
