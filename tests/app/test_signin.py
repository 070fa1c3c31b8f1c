"""Sign-in: the form's rules, and the PIN kept in the keyring only as a salted hash."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from legevakt.app.signin import (
    PIN_SERVICE,
    check_pin,
    hash_pin,
    practitioner_from_bundle,
    sign_in_problem,
    store_pin,
    verify_pin,
)
from legevakt.sync.auth import KeyringUnavailable


@pytest.mark.parametrize(("name", "hpr", "pin", "problem"), [
    ("Kari Nordmann", "1234567", "4321", None),
    ("", "1234567", "4321", "name"),
    ("Kari", "", "4321", "hpr-empty"),
    ("Kari", "12x4567", "4321", "hpr-not-digits"),
    ("Kari", "123", "4321", "hpr-length"),
    ("Kari", "1234567", "123", "pin-short"),
])
def test_sign_in_form_rules(name: str, hpr: str, pin: str, problem: str | None) -> None:
    assert sign_in_problem(name, hpr, pin) == problem


def test_the_keyring_holds_a_salted_hash_not_the_pin(memory_keyring: object) -> None:
    store_pin("1234567", "4321")
    stored = keyring.get_password(PIN_SERVICE, "1234567")
    assert stored is not None
    assert "4321" not in stored
    assert stored.startswith("scrypt$")
    assert verify_pin("1234567", "4321")
    assert not verify_pin("1234567", "4322")
    assert not verify_pin("7654321", "4321")  # nobody signed in under that number


def test_the_same_pin_hashes_differently_each_time() -> None:
    a, b = hash_pin("4321"), hash_pin("4321")
    assert a != b
    assert check_pin("4321", a) and check_pin("4321", b)
    assert not check_pin("4321", "garbage")


def test_without_a_keyring_there_is_no_plain_text_fallback() -> None:
    keyring.set_keyring(FailKeyring())
    with pytest.raises(KeyringUnavailable) as exc:
        store_pin("1234567", "4321")
    assert "plain-text" in exc.value.user_message


def test_practitioner_found_by_hpr_is_used_only_when_unique() -> None:
    one = {"entry": [{"resource": {"resourceType": "Practitioner", "id": "p1"}}]}
    two = {"entry": [{"resource": {"resourceType": "Practitioner", "id": "p1"}},
                     {"resource": {"resourceType": "Practitioner", "id": "p2"}}]}
    assert practitioner_from_bundle(one) == "Practitioner/p1"
    assert practitioner_from_bundle(two) is None
    assert practitioner_from_bundle({"entry": []}) is None
