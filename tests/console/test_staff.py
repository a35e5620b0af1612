"""The Staff page invites (link and QR code), lists pending invitations and members with
their labels, cancels and revokes; a hub coordinator sees and manages only their hub's
referrers and focal points, and whatever they may not do is refused with 403 and changes
nothing; revoking a coordinator ends their console session at once."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.wiring import Services
from storage.console import SqlConsoleStore
from tests.console.conftest import ConsoleClient, enrol

Client = Callable[..., ConsoleClient]


def invite_form(client: ConsoleClient, **fields: str) -> dict[str, str]:
    return {"csrf": client.csrf, "role": "referrer", "agency": "", "hub": "", "label": "",
            "days": "7", **fields}


def test_the_page_lists_members_with_labels_and_never_a_telegram_id(
        console_services: Services, console_client: Client) -> None:
    member = enrol(console_services, "focal_point", "kilis", agency="example_health",
                   label="Clinic nurse, Kilis")
    telegram_id = console_services.storage.staff.telegram_id(member)
    page = console_client().get("/console/staff")
    assert page.status_code == 200
    assert "Clinic nurse, Kilis" in page.text
    assert str(telegram_id) not in page.text


def test_an_invitation_shows_its_link_and_qr_code_once_and_is_audited(
        console_services: Services, console_client: Client) -> None:
    console_services.settings = dataclasses.replace(console_services.settings,
                                                    bot_username="intake_test_bot")
    client = console_client()
    made = client.post("/console/staff/invite", data=invite_form(
        client, role="focal_point", agency="example_health", hub="kilis",
        label="Case worker, Kilis"))
    assert made.status_code == 200
    link = re.search(r'value="(https://t\.me/intake_test_bot\?start=[A-Za-z0-9_-]+)"', made.text)
    assert link is not None
    assert "<svg" in made.text and "</svg>" in made.text
    pending = console_services.invites.pending()
    assert [(i.role, i.agency, i.hub, i.label) for i in pending] == [
        ("focal_point", "example_health", "kilis", "Case worker, Kilis")]
    assert console_services.storage.audit.search(action="invite")[0].actor == \
        f"staff:{client.staff_id}"
    listing = client.get("/console/staff").text
    assert "Case worker, Kilis" in listing
    assert link.group(1).split("start=")[1] not in listing  # the code is shown only once


@pytest.mark.parametrize(("fields", "error"), [
    ({"role": "focal_point"}, "a focal point needs an agency"),
    ({"label": "Nurse 0532 111 22 33"}, "a label describes a role, such as 'MSF clinic "
     "nurse, Gaziantep': no phone numbers, e-mail addresses or @usernames"),
    ({"days": "31"}, "days must be between 1 and 30 (got 31)"),
    ({"hub": "atlantis"}, "unknown hub 'atlantis'"),
    ({"role": "focal_point", "agency": "nobody_aid"}, "unknown agency 'nobody_aid'"),
    ({"role": "wizard"}, "unknown role 'wizard'"),
])
def test_a_bad_invitation_is_refused_with_its_reason_and_makes_nothing(
        console_services: Services, console_client: Client, fields: dict[str, str],
        error: str) -> None:
    client = console_client()
    refused = client.post("/console/staff/invite", data=invite_form(client, **fields))
    assert refused.status_code == 400
    assert error.replace("'", "&#39;") in refused.text
    assert console_services.invites.pending() == []


def test_a_hub_coordinator_sees_only_their_hub(console_services: Services,
                                               console_client: Client) -> None:
    enrol(console_services, "referrer", "kilis", label="Outreach, Kilis")
    enrol(console_services, "referrer", "gaziantep", label="Outreach, Gaziantep")
    console_services.invites.create("referrer", None, "gaziantep", timedelta(days=2),
                                    label="Gaziantep volunteer")
    page = console_client(hub="kilis").get("/console/staff").text
    assert "Outreach, Kilis" in page
    assert "Outreach, Gaziantep" not in page and "Gaziantep volunteer" not in page
    assert '<option value="coordinator"' not in page


def test_a_hub_coordinators_forbidden_posts_get_403_and_change_nothing(
        console_services: Services, console_client: Client) -> None:
    other = enrol(console_services, "referrer", "gaziantep", label="Outreach, Gaziantep")
    _, elsewhere = console_services.invites.create("referrer", None, "gaziantep",
                                                   timedelta(days=2))
    client = console_client(hub="kilis")
    attempts = [
        ("/console/staff/invite", invite_form(client, role="coordinator", hub="kilis")),
        ("/console/staff/invite", invite_form(client, hub="gaziantep")),
        (f"/console/staff/{other}/revoke", {"csrf": client.csrf}),
        (f"/console/staff/invites/{elsewhere.id}/cancel", {"csrf": client.csrf}),
    ]
    for path, form in attempts:
        assert client.post(path, data=form).status_code == 403, path
    assert console_services.storage.staff.get(other).active
    assert [i.id for i in console_services.invites.pending()] == [elsewhere.id]
    assert console_services.storage.audit.search(actor=f"staff:{client.staff_id}") == []


def test_a_form_without_its_csrf_token_is_refused(console_services: Services,
                                                  console_client: Client) -> None:
    client = console_client()
    member = enrol(console_services, "referrer", "kilis")
    form = invite_form(client)
    del form["csrf"]
    assert client.post("/console/staff/invite", data=form).status_code == 403
    assert client.post(f"/console/staff/{member}/revoke", data={}).status_code == 403
    assert console_services.invites.pending() == []
    assert console_services.storage.staff.get(member).active


def test_cancel_makes_the_invitation_enrol_no_one(console_services: Services,
                                                  console_client: Client) -> None:
    code, made = console_services.invites.create("referrer", None, "kilis", timedelta(days=2))
    client = console_client(hub="kilis")
    done = client.post(f"/console/staff/invites/{made.id}/cancel", data={"csrf": client.csrf},
                       follow_redirects=False)
    assert done.status_code == 303
    assert console_services.invites.pending() == []
    assert console_services.invites.redeem(code, 99_001, "en") is None


def test_revoke_asks_first_then_ends_the_members_console_session(
        console_services: Services, console_client: Client) -> None:
    national = console_client()
    hub_coordinator = console_client(hub="kilis")
    assert hub_coordinator.get("/console/staff").status_code == 200
    member = hub_coordinator.staff_id
    confirm = national.get(f"/console/staff/{member}/revoke")
    assert confirm.status_code == 200 and "Revoke staff member" in confirm.text
    assert console_services.storage.staff.get(member).active  # asking changed nothing
    done = national.post(f"/console/staff/{member}/revoke", data={"csrf": national.csrf},
                         follow_redirects=False)
    assert done.status_code == 303
    assert not console_services.storage.staff.get(member).active
    assert SqlConsoleStore(console_services.storage.context).sessions_of(member) == 0
    assert hub_coordinator.get("/console/staff").status_code == 401
    revokes = console_services.storage.audit.search(action="revoke")
    assert [(r.actor, r.subject) for r in revokes] == [(f"staff:{national.staff_id}",
                                                        f"staff:{member}")]


def test_nobody_revokes_themselves(console_services: Services, console_client: Client) -> None:
    client = console_client()
    refused = client.post(f"/console/staff/{client.staff_id}/revoke", data={"csrf": client.csrf})
    assert refused.status_code == 403
    assert console_services.storage.staff.get(client.staff_id).active
