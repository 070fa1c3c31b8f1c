"""Every problem reaches the user in one language: bokmål in the bokmål window, English in the English one."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from legevakt.problems import Problem, ProblemKind
from legevakt.ui.i18n import install_translator
from legevakt.ui.problem_texts import placeholders, problem_text, source_text
from legevakt.worklist.commands import CommandError

#: Sample parameters: ids, codes and our own field names, as the producers put them in.
SAMPLE: dict[str, object] = {
    "status": "finished", "ref": "Encounter/enc-17", "encounter": "Encounter/enc-17", "said": 20, "got": 19,
    "page": 3, "alert": "AL-000012", "field": "room", "value": "Location/room-3", "code": "RED",
    "scale": "rets", "system": "urn:oid:2.16.578.1.12.4.1.1.8433", "state": "in-progress", "from": "arrived",
    "to": "planned", "what": "naive-time", "type": "Location", "disposition": "home",
    "cause": ProblemKind.STORE_LOCKED.value, "where": "sync", "count": 2, "note": "DocumentReference/doc-4",
    "kind": "note", "via": "link", "origin": "https://other.example:443", "seconds": 30, "limit": 64,
}

ENGLISH_WORDS = {"the", "has", "cannot", "queue", "left", "error", "failed", "not", "could", "is", "was",
                 "changed", "platform", "patient", "alert", "done", "nothing", "already", "arrived",
                 "planned", "finished", "room", "state", "page", "list", "open", "give", "say"}
NORWEGIAN = re.compile(r"[æøåÆØÅ]|\b(ikke|og|er|kan|har|ble|køen|plattformen|pasient\w*|varsel)\b", re.I)


def sample(kind: ProblemKind) -> Problem:
    return Problem(kind, {name: SAMPLE[name] for name in placeholders(source_text(kind))})


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    install_translator(qapp, "en")
    yield
    install_translator(qapp, "nb")


def words(text: str) -> set[str]:
    # Parameter values (ids, codes) and quoted terminal commands are not words of either language.
    text = re.sub(r"«[^»]*»|'[^']*'", " ", text)
    for value in SAMPLE.values():
        text = text.replace(str(value), " ")
    return {w.lower() for w in re.findall(r"[A-Za-zæøåÆØÅ]+", text)}


@pytest.mark.parametrize("kind", list(ProblemKind), ids=lambda k: k.value)
def test_every_kind_is_bokmal_in_the_bokmal_window(kind: ProblemKind) -> None:
    problem = sample(kind)
    text = problem_text(problem)
    english_source = source_text(kind).format_map({k: str(v) for k, v in problem.params.items()})
    assert text != english_source, f"{kind.value} is not translated"
    assert "{" not in text and "–" not in text, f"{kind.value} leaves a parameter unfilled: {text}"
    assert not words(text) & ENGLISH_WORDS, f"{kind.value} has English words: {text}"


@pytest.mark.parametrize("kind", list(ProblemKind), ids=lambda k: k.value)
def test_every_kind_is_english_in_the_english_window(english: None, kind: ProblemKind) -> None:
    text = problem_text(sample(kind))
    assert "{" not in text and "–" not in text
    assert NORWEGIAN.search(text) is None, f"{kind.value} has Norwegian words: {text}"


def test_a_command_on_an_encounter_that_left_the_queue_is_refused_in_bokmal() -> None:
    # Before: "Ikke utført: Encounter/enc-17 has left the queue; it cannot be changed here".
    refusal = CommandError(ProblemKind.COMMAND_LEFT_QUEUE, encounter="Encounter/enc-17")
    text = problem_text(refusal.problem)
    assert text == "Encounter/enc-17 har forlatt køen og kan ikke endres her."


def test_our_own_words_in_parameters_are_translated_too() -> None:
    problem = Problem.of(ProblemKind.COMMAND_TRANSITION_NOT_ALLOWED, **{"from": "finished", "to": "arrived"})
    assert problem_text(problem) == "Statusen kan ikke endres fra Ferdig til Registrert."


def test_a_missing_parameter_shows_a_dash_not_a_gap() -> None:
    assert problem_text(Problem(ProblemKind.PLATFORM_NOT_FOUND)) == "Plattformen har ikke –."
