"""What one step changed, kept beside the session's history so /back can put it back.

A step may answer a question that was answered before: after a second /urgent the urgent
screen asks its question again, and the new answer replaces the first one. Forgetting the
answer on /back would then lose the first one too (an urgent note would leave without the
concerns the person told). So each step that /back can undo records the values it replaced,
and /back restores exactly those: the answers, the consents and the rating as they were.

An entry, as stored with the session (JSON)::

    {"answers": {"was": {"urgent_concerns": ["unsafe_home"]}, "new": ["note_reach"]},
     "consent": null}        # a field the step changed, with its value before the step

``was`` holds the values the step replaced or removed, ``new`` the keys it added; a field
is listed only if the step changed it.
"""

from __future__ import annotations

from typing import Any

from bot.engine.session import Session

#: Fields a step may change as a whole and /back puts back (``answers`` and ``consents`` are
#: kept key by key: most steps change one answer of many).
WHOLE_FIELDS = ("consent", "risk", "person_lang")
KEYED_FIELDS = ("answers", "consents")


def _keyed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any] | None:
    was = {k: v for k, v in before.items() if k not in after or after[k] != v}
    new = sorted(k for k in after if k not in before)
    if not was and not new:
        return None
    change: dict[str, Any] = {}
    if was:
        change["was"] = was
    if new:
        change["new"] = new
    return change


def change(before: Session, after: Session) -> dict[str, Any]:
    """What ``after`` changed of ``before`` that /back puts back."""
    entry: dict[str, Any] = {}
    for name in KEYED_FIELDS:
        keyed = _keyed(getattr(before, name), getattr(after, name))
        if keyed is not None:
            entry[name] = keyed
    for name in WHOLE_FIELDS:
        if getattr(before, name) != getattr(after, name):
            entry[name] = getattr(before, name)
    return entry


def remember(before: Session, after: Session) -> Session:
    """``after`` with the undo entry of the step that added one state to the history of
    ``before``. A step that ended the conversation and forgot it (no history left) keeps
    nothing to undo."""
    if len(after.history) != len(before.history) + 1:
        return after
    return after.with_(undo=(*before.undo, change(before, after)))


def revert(session: Session, entry: dict[str, Any]) -> Session:
    """``session`` with what the step of ``entry`` changed put back."""
    changes: dict[str, Any] = {}
    for name in KEYED_FIELDS:
        keyed = entry.get(name)
        if keyed is None:
            continue
        current = getattr(session, name)
        restored = {k: v for k, v in current.items() if k not in keyed.get("new", ())}
        restored.update(keyed.get("was", {}))
        changes[name] = restored
    for name in WHOLE_FIELDS:
        if name in entry:
            changes[name] = entry[name]
    return session.with_(**changes)
