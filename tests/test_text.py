"""``legevakt.text``: people's and the platform's text made safe to store and to show (issue 11).

Oracle: hand-written strings with the exact characters a hostile sender would use, and what a reader
must see instead.
"""

from __future__ import annotations

import pytest

from legevakt.text import LIMITS, MAX_COMMENT, MAX_NAME, MAX_NOTE, shown, shown_block, too_long, user_text

ESC = "\x1b"
CSI = "\x9b"  # the one-character C1 control sequence introducer
RLO, PDF, LRI, PDI, RLM = "\u202e", "\u202c", "\u2066", "\u2069", "\u200f"


@pytest.mark.parametrize(("given", "stored"), [
    (f"{ESC}[31mKari{ESC}[0m", "[31mKari[0m"),  # colour: the escape is gone, the rest reads as typed
    (f"Kari{ESC}]0;owned{chr(7)}", "Kari]0;owned"),  # a window-title escape with BEL
    (f"Kari{CSI}2J", "Kari2J"),  # C1 CSI: clear screen
    ("Kari\x00\x08\x7f Nordmann", "Kari Nordmann"),  # NUL, BS, DEL
    ("  Kari\tNordmann\r\n", "Kari Nordmann"),  # one line: a tab or a break is a space, ends stripped
    (f"{RLO}nnamdroN iraK{PDF}", "nnamdroN iraK"),  # an override no longer reverses it on screen
    ("Åse Ødegård", "Åse Ødegård"),
    ("", ""),
])
def test_a_name_is_stored_without_controls(given: str, stored: str) -> None:
    assert user_text(given) == stored


def test_a_comment_keeps_its_lines_and_tabs_but_no_escape() -> None:
    assert user_text(f"seen\r\n\tcalled {ESC}[2Jhome\u2028ok", multiline=True) == "seen\n\tcalled [2Jhome\nok"


@pytest.mark.parametrize(("given", "seen"), [
    (f"{RLO}evaD{PDF}", "evaD"),
    (f"Ola {LRI}{RLO}nosnaH{PDI} Hansen", "Ola nosnaH Hansen"),
    (f"Kari{RLM}", "Kari"),
    ("Kutt i\nhånd", "Kutt i hånd"),  # one line on screen
    (f"rom{ESC}[5m 3", "rom[5m 3"),
    ("مريم", "مريم"),  # right-to-left letters stay as they are: only the formatting controls go
])
def test_platform_text_is_shown_neutralised(given: str, seen: str) -> None:
    assert shown(given) == seen


def test_a_block_keeps_its_line_breaks() -> None:
    assert shown_block(f"line 1\r\nline {RLO}2") == "line 1\nline 2"


def test_the_limits_are_the_documented_ones() -> None:
    assert (MAX_NAME, MAX_COMMENT, MAX_NOTE) == (200, 2000, 50_000)
    assert LIMITS == {"by": 200, "comment": 2000, "reason": 2000, "note": 50_000}
    assert too_long("x" * 200, "by") is None
    assert too_long("x" * 201, "by") == 200
    assert too_long("x" * 2001, "reason") == 2000
