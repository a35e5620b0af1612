"""Item 4 of the console, checked on every page a national coordinator can open: each form
control has a label (a <label for>, a wrapping <label>, or aria-label), each page has one
<h1>, a skip link to <main id="main">, a language and a right-to-left direction for Arabic."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from starlette.routing import Route

from bot.console.app import build_console
from bot.wiring import Services
from tests.console.conftest import ConsoleClient

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labels_for: set[str] = set()
        self.open_labels = 0
        self.controls: list[tuple[str, dict[str, str | None], bool]] = []
        self.h1 = 0
        self.html: dict[str, str | None] = {}
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "html":
            self.html = values
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self.open_labels += 1
            if values.get("for"):
                self.labels_for.add(str(values["for"]))
        elif tag in CONTROLS:
            if tag == "input" and (values.get("type") or "text") in UNLABELLED_INPUTS:
                return
            self.controls.append((tag, values, self.open_labels > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1

    def unlabelled(self) -> list[str]:
        return [f"<{tag} name={values.get('name')!r}>" for tag, values, wrapped in self.controls
                if not wrapped and not values.get("aria-label")
                and not values.get("aria-labelledby")
                and values.get("id") not in self.labels_for]


def pages(services: Services) -> list[str]:
    """Every GET address without parameters (those with parameters need data first)."""
    app = build_console(services)
    return [route.path for route in app.routes if isinstance(route, Route)
            and "GET" in (route.methods or set()) and "{" not in route.path
            and route.path not in ("/console", "/console/signed-out")]


@pytest.mark.parametrize("lang", ["en", "ar", "tr"])
def test_every_page_labels_its_controls_and_has_its_landmarks(
        console_services: Services, console_client: Callable[..., ConsoleClient],
        lang: str) -> None:
    client = console_client(language=lang)
    found = pages(console_services)
    assert "/console/" in found
    for path in found:
        response = client.get(path)
        assert response.status_code == 200, path
        page = Page()
        page.feed(response.text)
        assert page.unlabelled() == [], path
        assert page.h1 == 1, path
        assert page.html.get("lang") == lang, path
        assert page.html.get("dir") == ("rtl" if lang == "ar" else "ltr"), path
        assert re.search(r'<a class="skip-link" href="#main">', response.text), path
        assert "main" in page.ids, path


def test_the_check_finds_an_unlabelled_control() -> None:
    page = Page()
    page.feed('<input name="q"><label for="a">A</label><input id="a" name="a">'
              '<label>B <select name="b"></select></label><input type="hidden" name="csrf">'
              '<textarea aria-label="Note" name="note"></textarea><select name="s"></select>')
    assert page.unlabelled() == ["<input name='q'>", "<select name='s'>"]
