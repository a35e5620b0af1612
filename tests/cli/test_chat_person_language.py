"""`intake chat --person-lang` accepts only a reviewed language: a draft catalog never
reaches the person, in the simulator either."""

from __future__ import annotations

import pytest

from bot.__main__ import main


@pytest.mark.parametrize(("value", "error"), [
    ("ku", "error: --person-lang 'ku' is a draft translation, not offered to the person until "
           "it is reviewed (reviewed: en, ar, tr)\n"),
    ("fr", "error: --person-lang 'fr' is a draft translation, not offered to the person until "
           "it is reviewed (reviewed: en, ar, tr)\n"),
    ("xx", "error: unknown --person-lang 'xx' (known: en, ar, tr)\n"),
])
def test_the_simulator_refuses_a_draft_or_unknown_person_language(
        capsys: pytest.CaptureFixture[str], value: str, error: str) -> None:
    assert main(["chat", "--flow", "gbv", "--person-lang", value]) == 2
    assert capsys.readouterr().err == error
