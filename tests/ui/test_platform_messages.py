"""Messages from the platform link reach a Norwegian user in bokmål; unknown ones are never hidden."""

from __future__ import annotations

from legevakt.sync.errors import AuthenticationError, MalformedResponse, PlatformUnreachable
from legevakt.ui.texts import platform_message


def test_fixed_link_messages_are_translated() -> None:
    assert platform_message(PlatformUnreachable.user_message).startswith("Får ikke kontakt med plattformen")
    assert platform_message(AuthenticationError.user_message).startswith("Plattformen avviste påloggingen")
    assert platform_message(MalformedResponse.user_message).startswith("Plattformen sendte noe vi ikke forstod")


def test_a_detail_after_a_known_message_is_kept() -> None:
    text = platform_message(str(PlatformUnreachable("timed out: ReadTimeout")))
    assert text.startswith("Får ikke kontakt") and text.endswith("(timed out: ReadTimeout)")


def test_messages_with_values_are_translated_with_their_values() -> None:
    assert platform_message("alert AL-000012 is critical: a comment is required to acknowledge it; "
                            "nothing changed") == ("Varsel AL-000012 er kritisk: skriv en kommentar for å kvittere; "
                                                   "nothing changed")
    assert platform_message("the platform announced 20 encounters but 19 arrived") == (
        "plattformen varslet 20 pasienter, men 19 kom fram")


def test_an_unknown_message_is_shown_as_it_is() -> None:
    assert platform_message("something new went wrong") == "something new went wrong"
