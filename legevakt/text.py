"""Text from people and from the platform, made safe to store and to show (issue 11).

A neutral bottom module like ``legevakt.nin``: it imports nothing of the project, so the pure domain
(``worklist``, ``journal``), the application layer, the CLI and the UI all use these few functions.

- ``user_text`` cleans what a person typed (``--by``, a comment, a reason, a note) before it is checked
  and stored: C0 and C1 control characters (among them ESC, the start of every terminal escape, and
  U+009B, the one-character CSI) and DEL are removed, and so are the bidirectional embeddings, overrides
  and isolates; a multi-line text keeps its line breaks and tabs (``\\r\\n`` becomes ``\\n``).
- ``too_long`` says whether a cleaned text is past its limit (``LIMITS``): the caller refuses it, so
  nothing is changed (a limit is a refusal, never a silent cut).
- ``shown`` neutralises platform text (a patient's name, a complaint, a room) for display: the same
  characters are removed, a line break becomes a space. A name with an RIGHT-TO-LEFT OVERRIDE can no
  longer display reversed (or reverse the text beside it); Arabic or Hebrew letters still show right to
  left, by their own nature, which is what the Unicode bidi algorithm gives without the controls.

Removed rather than replaced by a visible mark: these characters have no business in a name or a
comment, and what remains reads as the sender wrote it, minus the trick.
"""

from __future__ import annotations

import re

#: The longest text accepted from a person, in characters, per kind of field.
MAX_NAME = 200  # who acts (``--by``), a signature
MAX_COMMENT = 2000  # an acknowledgement's comment, a resolution's reason
MAX_NOTE = 50_000  # a journal note (about 25 printed pages)
LIMITS = {"by": MAX_NAME, "comment": MAX_COMMENT, "reason": MAX_COMMENT, "note": MAX_NOTE}

# Bidirectional formatting characters that change the order text displays in: LRE RLE PDF LRO RLO,
# LRI RLI FSI PDI, and the marks LRM RLM ALM (harmless alone, but a mark is how an override hides).
_BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but TAB and LF, DEL, C1
_ONE_LINE = re.compile(f"[{_BIDI}{_CONTROL}\t\n]")
_MULTI_LINE = re.compile(f"[{_BIDI}{_CONTROL}]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x85\u2028\u2029]")


def user_text(text: str | None, *, multiline: bool = False) -> str:
    """What a person typed, without control and bidi formatting characters. One line (a name): stripped
    at both ends, a line break or tab becomes a space. ``multiline`` (a comment, a note): line breaks (as
    ``\\n``) and tabs are kept, and so is the text's own spacing."""
    if not text:
        return ""
    if multiline:
        return shown_block(text)
    return shown(text).strip()


def too_long(text: str, field: str) -> int | None:
    """The limit ``text`` (already cleaned) is past for ``field`` (a key of ``LIMITS``), or None."""
    limit = LIMITS[field]
    return limit if len(text) > limit else None


def shown(text: str | None) -> str:
    """Platform text (a name, a complaint, a room, a detail) neutralised for display on one line."""
    if not text:
        return text or ""
    if _ONE_LINE.search(text) is None and _LINE_BREAKS.search(text) is None:
        return text  # the common case: nothing to do, no copy
    return _ONE_LINE.sub("", _LINE_BREAKS.sub(" ", text).replace("\n", " ").replace("\t", " "))


def shown_block(text: str | None) -> str:
    """Like ``shown`` for a text of several lines (a note, a receipt's text): line breaks are kept."""
    if not text:
        return text or ""
    return _MULTI_LINE.sub("", _LINE_BREAKS.sub("\n", text))


__all__ = ["LIMITS", "MAX_COMMENT", "MAX_NAME", "MAX_NOTE", "shown", "shown_block", "too_long", "user_text"]
