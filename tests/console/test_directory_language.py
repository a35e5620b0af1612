"""A coordinator reading the console in another language sees the directory loader's
problems in that language (the command line and the English console keep the loader's
English), for a directory file and for a service matrix."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest

from tests.console.conftest import ConsoleClient
from tests.console.test_directory import check

Client = Callable[..., ConsoleClient]
FSI, PDI = "\u2068", "\u2069"
DIRECTORY = b"""version: 2
hubs:
  kilis:
    names: {en: Kilis}
    areas: [Kilis]
    coordinator: example_aid
"""
MATRIX = b"Organization,Girls\nnobody_here,1. Medical\n"


@pytest.mark.parametrize(("lang", "problem"), [
    ("en", "directory.yaml:6 hub 'kilis' coordinator: unknown agency 'example_aid'"),
    ("tr", "directory.yaml:6 merkez 'kilis' coordinator: bilinmeyen kurum 'example_aid'"),
    ("fr", "directory.yaml:6 hub 'kilis' coordinator: organisme inconnu 'example_aid'"),
    ("ku", "directory.yaml:6 navend 'kilis' coordinator: dezgeha nenas 'example_aid'"),
    ("ar", f"{FSI}directory.yaml:6{PDI} المركز الإقليمي '{FSI}kilis{PDI}' {FSI}coordinator"
           f"{PDI}: الجهة '{FSI}example_aid{PDI}' غير معروفة"),
])
def test_a_directory_files_problem_is_shown_in_the_readers_language(
        console_client: Client, lang: str, problem: str) -> None:
    refused = check(console_client(language=lang), "directory.yaml", DIRECTORY)
    assert refused.status_code == 400
    assert f"<li><code>{problem}</code></li>" in html.unescape(refused.text)


@pytest.mark.parametrize(("lang", "problem"), [
    ("en", "matrix.csv:2 organisation 'nobody_here' column 1: unknown organisation: add it "
           "to the agencies of the directory first"),
    ("tr", "matrix.csv:2 kuruluş 'nobody_here' 1. sütun: bilinmeyen kuruluş: önce rehberin "
           "kurumlarına ekleyin"),
])
def test_a_service_matrixs_problem_is_shown_in_the_readers_language(
        console_client: Client, lang: str, problem: str) -> None:
    refused = check(console_client(language=lang), "matrix.csv", MATRIX)
    assert refused.status_code == 400
    assert f"<li><code>{problem}</code></li>" in html.unescape(refused.text)
