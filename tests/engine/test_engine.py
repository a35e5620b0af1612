"""The engine walks the shipped flows: commands, retries, consent, risk and endings."""

from __future__ import annotations

from bot.engine import Choice, Choices, Command, Engine, Session, Text, Timeout
from bot.engine.events import (
    AnswerRecorded,
    ConsentRecorded,
    Hint,
    LanguageChanged,
    Prompt,
    ReferralRequested,
    RiskRated,
    Say,
    SessionEnded,
    UrgentAction,
)
from tests.conftest import TODAY
from tests.engine.helpers import last_prompt, of_type, run

TO_PWSN = [Choice("pwsn"), Choice("gaziantep"), Choice("en"), Choice("adult"),
           Choices(("none",))]
CONSENT_YES = [Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes"),
               Choice("yes")]


def test_start_welcomes_and_asks_the_situation(engine: Engine) -> None:
    session, events = run(engine, [])
    assert isinstance(events[0], Say)
    assert last_prompt(events).node == "situation" == session.state
    assert [b.id for b in last_prompt(events).buttons] == ["pwsn", "child", "gbv"]


def test_a_step_never_changes_the_session_it_was_given(engine: Engine) -> None:
    session, _ = run(engine, [Choice("pwsn")])
    frozen = session.to_json()
    engine.step(session, Choice("gaziantep"), TODAY)
    assert session.to_json() == frozen


def test_show_repeats_the_waiting_question_and_changes_nothing(engine: Engine) -> None:
    session, events = run(engine, [Choice("pwsn"), Choice("gaziantep"), Choice("en"),
                                   Choices(("disability",))])
    frozen = session.to_json()
    shown = engine.show(session, TODAY)
    assert shown.session.to_json() == frozen == session.to_json()
    assert last_prompt(list(shown.events)) == last_prompt(events)


def test_a_session_survives_json_midway_and_continues_the_same(engine: Engine) -> None:
    session, _ = run(engine, TO_PWSN + CONSENT_YES[:3])
    restored = Session.from_json(session.to_json())
    assert restored == session
    a = engine.step(session, Choice("yes"), TODAY)
    b = engine.step(restored, Choice("yes"), TODAY)
    assert a.session == b.session and a.events == b.events


def test_back_returns_to_the_previous_question_and_forgets_its_answer(engine: Engine) -> None:
    session, events = run(engine, [Choice("pwsn"), Choice("gaziantep"), Command("back")])
    assert session.state == "where/hub"
    assert "hub" not in session.answers and session.answers["situation"] == "pwsn"
    assert last_prompt(events).node == "where/hub"


def test_back_on_the_first_question_explains_and_asks_again(engine: Engine) -> None:
    session, events = run(engine, [Command("back")])
    assert session.state == "situation"
    assert isinstance(events[-2], Hint) and isinstance(events[-1], Prompt)


GBV_URGENT_NOTE_SENT = [Choice("gbv"), Choice("adana_osmaniye"), Choice("en"), Choice("adult"),
                        Choices(("sexual_assault_120h",)), Choice("in_person"), Choice("yes"),
                        Choice("yes"), Choice("through_me")]


def test_back_never_steps_back_across_a_referral_already_sent(engine: Engine) -> None:
    session, events = run(engine, GBV_URGENT_NOTE_SENT + [Command("back"), Command("back")])
    assert len(of_type(events, ReferralRequested)) == 1 and session.referred == 1
    assert of_type(events, Hint)[-1].text == ("The answers before this point were already "
                                              "sent in a referral, so you cannot go back "
                                              "further.")
    assert session.state == "gbv_flow/survivor/consent"
    assert AnswerRecorded("age_band", False) in events


def test_the_first_question_after_a_referral_offers_no_back_button(engine: Engine) -> None:
    session, events = run(engine, GBV_URGENT_NOTE_SENT)
    assert session.state == "gbv_flow/survivor/consent" and not last_prompt(events).can_back


def test_cancel_ends_with_nothing_kept(engine: Engine) -> None:
    session, events = run(engine, TO_PWSN + [Command("cancel")])
    assert session.outcome == "cancelled" and session.answers == {}
    assert events[-1] == SessionEnded("cancelled", False, "cancel")
    assert events[-2] == Say("Cancelled. Nothing was kept.", "en", "referrer")


def test_cancel_after_an_urgent_note_says_the_note_stands(engine: Engine) -> None:
    session, events = run(engine, GBV_URGENT_NOTE_SENT + [Command("cancel")])
    assert session.outcome == "cancelled" and session.answers == {}
    assert events[-2] == Say("Cancelled. The referrals already sent stay with the agencies "
                             "that received them; nothing else was kept.", "en", "referrer")


def test_timeout_closes_the_conversation_and_erases_its_answers(engine: Engine) -> None:
    session, events = run(engine, TO_PWSN + [Timeout()])
    assert session.outcome == "cancelled" and session.answers == {}
    assert events[-1] == SessionEnded("cancelled", False, "timeout")
    assert events[-2] == Say("This conversation was closed after a period without activity. "
                             "Nothing was kept.", "en", "referrer")


def test_timeout_after_an_urgent_note_says_the_note_stands(engine: Engine) -> None:
    session, events = run(engine, GBV_URGENT_NOTE_SENT + [Timeout()])
    assert session.outcome == "cancelled" and session.answers == {}
    assert events[-2] == Say("This conversation was closed after a period without activity. "
                             "The referrals already sent stay with the agencies that received "
                             "them; nothing else was kept.", "en", "referrer")


def test_restart_starts_over_with_no_answers(engine: Engine) -> None:
    session, _ = run(engine, [Choice("pwsn"), Command("restart")])
    assert session.state == "situation" and session.answers == {} and not session.ended


def test_text_where_a_button_is_expected_gives_a_hint_and_the_same_question(
        engine: Engine) -> None:
    session, events = run(engine, [Text("the old lady")] * 5)
    assert isinstance(events[-2], Hint) and last_prompt(events).node == "situation"
    assert session.retries == 0 and session.outcome is None  # typing never counts


def test_after_the_retry_limit_the_no_valid_answer_path_is_taken(engine: Engine) -> None:
    session, events = run(engine, [Choice("a"), Choice("b"), Choice("c")])
    assert session.outcome == "cancelled"
    assert of_type(events, SessionEnded)[-1].outcome == "cancelled"


def test_a_forged_choice_is_refused_like_a_wrong_answer(engine: Engine) -> None:
    session, events = run(engine, [Choice("drop_table")])
    assert session.state == "situation" and isinstance(events[-2], Hint)


def test_multiple_choice_toggles_and_none_clears_the_rest(engine: Engine) -> None:
    base = [Choice("pwsn"), Choice("gaziantep"), Choice("en"), Choice("adult")]
    _, events = run(engine, base + [Choice("injury"), Choice("unsafe_home"), Choice("injury")])
    assert [b.id for b in last_prompt(events).buttons if b.selected] == ["unsafe_home"]
    _, events = run(engine, base + [Choice("injury"), Choice("none")])
    assert [b.id for b in last_prompt(events).buttons if b.selected] == ["none"]


def test_done_with_nothing_ticked_re_asks_naming_none_and_never_counts(engine: Engine) -> None:
    session, events = run(engine, [Choice("pwsn"), Choice("gaziantep"), Choice("en"),
                                   Choice("adult")] + [Choice("done")] * 5)
    assert session.state == "pwsn_flow/screen/urgent_concerns" and session.retries == 0
    assert of_type(events, Hint)[-1].text == "Tick at least one, or “None of these”."
    assert not of_type(events, UrgentAction) and last_prompt(events).kind == "multi"


def test_none_combined_with_another_option_is_refused(engine: Engine) -> None:
    session, _ = run(engine, [Choice("pwsn"), Choice("gaziantep"), Choice("en"),
                              Choice("adult"), Choices(("none", "injury"))])
    assert session.state == "pwsn_flow/screen/urgent_concerns"
    assert "urgent_concerns" not in session.answers


def test_refusing_a_required_scope_ends_as_consent_refused_with_nothing_kept(
        engine: Engine) -> None:
    session, events = run(engine, TO_PWSN + [Choice("person"), Choice("in_person"),
                                             Choice("no")])
    assert session.outcome == "consent_refused" and session.answers == {}
    assert not of_type(events, ReferralRequested)
    assert of_type(events, ConsentRecorded)[0].refused == ("refer",)


def test_refusing_statistics_only_still_allows_the_referral(engine: Engine) -> None:
    session, events = run(engine, TO_PWSN + CONSENT_YES[:4] + [Choice("no")])
    consent = of_type(events, ConsentRecorded)[0]
    assert consent.granted == ("refer", "share") and consent.refused == ("statistics",)
    assert session.state == "pwsn_flow/categories"


def test_the_consent_script_is_in_the_persons_language(engine: Engine) -> None:
    _, events = run(engine, [Choice("pwsn"), Choice("gaziantep"), Choice("ar"),
                             Choice("adult"), Choices(("none",))])
    script = next(e for e in events if isinstance(e, Say) and e.audience == "person")
    assert script.lang == "ar"
    assert last_prompt(events).lang == "en"  # "who gives consent" stays with the referrer


def test_the_risk_cannot_be_rated_lower_than_the_table(engine: Engine) -> None:
    to_rating = TO_PWSN + CONSENT_YES + [Choices(("disability",)), Choices(("none",)),
                                         Choices(("mobility",))]
    session, events = run(engine, to_rating + [Choice("low")])
    assert session.state == "pwsn_flow/rating" and isinstance(events[-2], Hint)
    assert [b.id for b in last_prompt(events).buttons] == ["keep", "high"]


def test_raising_the_risk_needs_a_reason_which_is_recorded(engine: Engine) -> None:
    to_rating = TO_PWSN + CONSENT_YES + [Choices(("disability",)), Choices(("none",)),
                                         Choices(("mobility",))]
    session, events = run(engine, to_rating + [Choice("high"), Choice("worsening")])
    rated = of_type(events, RiskRated)[0]
    assert (rated.computed, rated.level, rated.reason, rated.due_hours) == (
        "medium", "high", "worsening", 48)
    assert session.risk == {"computed": "medium", "level": "high", "reason": "worsening",
                            "due_hours": 48}


def test_one_red_need_is_high_without_asking_to_raise(engine: Engine) -> None:
    session, events = run(engine, TO_PWSN + CONSENT_YES + [
        Choices(("disability",)), Choices(("threats",)), Choices(("none",))])
    assert of_type(events, RiskRated)[0].level == "high" and session.state == "pwsn_flow/services"


def test_a_full_referral_carries_envelope_and_contact_separately(engine: Engine) -> None:
    session, events = run(engine, TO_PWSN + CONSENT_YES + [
        Choices(("disability",)), Choices(("threats",)), Choices(("none",)),
        Choices(("medical", "legal")), Choice("older"), Choice("female"), Choice("phone"),
        Text("+90 555 123 4567")])
    referral = of_type(events, ReferralRequested)[0]
    assert referral.case_type == "medical" and referral.hub == "gaziantep"
    assert referral.contact == {"phone": "+90 555 123 4567"}
    assert "phone" not in referral.envelope and referral.services == ("medical", "legal")
    assert session.outcome == "referred"
    assert AnswerRecorded("phone", True) in events


def test_urgent_command_shows_the_known_hubs_contacts_and_the_intake_goes_on(
        engine: Engine) -> None:
    session, events = run(engine, [Choice("child"), Choice("hatay"), Command("urgent")])
    urgent = of_type(events, UrgentAction)[0]
    assert urgent.categories == ("health", "safety", "interim_care", "other")
    assert urgent.hub == "hatay"
    assert session.state == "person_language" and not session.ended


def test_urgent_command_before_the_hub_asks_it_first(engine: Engine) -> None:
    session, events = run(engine, [Command("urgent")])
    assert session.state == "urgent_where/hub" and not of_type(events, UrgentAction)
    session, events = run(engine, [Command("urgent"), Choice("kilis")])
    assert of_type(events, UrgentAction)[0].hub == "kilis"
    assert session.state == "situation" and session.answers["hub"] == "kilis"


def test_the_language_command_switches_the_referrer_language(engine: Engine) -> None:
    session, events = run(engine, [Command("language", "tr")])
    assert session.referrer_lang == "tr" and LanguageChanged("tr") in events
    assert last_prompt(events).lang == "tr"


def test_an_unknown_language_is_refused_with_the_list(engine: Engine) -> None:
    session, events = run(engine, [Command("language", "xx")])
    assert session.referrer_lang == "en" and "en, ar, tr, ku, fr" in of_type(events, Hint)[0].text


def test_input_after_the_end_only_gets_a_hint(engine: Engine) -> None:
    session, _ = run(engine, [Command("cancel")])
    step = engine.step(session, Choice("pwsn"), TODAY)
    assert step.session == session and isinstance(step.events[0], Hint)


def test_sexual_assault_within_120_hours_comes_first_as_urgent_medical_action(
        engine: Engine) -> None:
    _, events = run(engine, [Choice("gbv"), Choice("mardin"), Choice("ar"), Choice("adult"),
                             Choices(("sexual_assault_120h",))])
    urgent = of_type(events, UrgentAction)[0]
    assert urgent.categories == ("health",)
    assert events.index(urgent) < len(events) - 1 and not of_type(events, ConsentRecorded)


def test_back_over_a_later_consent_keeps_the_urgent_note_s_consent_for_the_note(
        engine: Engine) -> None:
    """/back to the PwSN consent forgets that consent only: going further back to the urgent
    note's own questions, the note still leaves with the consent the person gave for it."""
    session, events = run(engine, [
        Choice("adult"), Choices(("injury",)), Choice("in_person"), Choice("yes"), Choice("yes"),
        Command("urgent"), Choices(("none",)),        # at "how to reach": the screen again
        Command("urgent"),                             # at the PwSN consent
        Command("back"), Command("back"), Command("back"),
        Choice("through_me")],                         # the note's "how to reach", again
        flow="pwsn", answers={"hub": "gaziantep"})
    (note,) = of_type(events, ReferralRequested)
    assert note.urgent and {"refer", "share"} <= set(note.consent)
    assert session.consent is not None and {"refer", "share"} <= set(session.consent["granted"])
