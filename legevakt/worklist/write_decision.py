"""The outbox's ours/base/theirs choice for one field, as a pure function (the HTTP is in ``sync``).

``ours`` is the value the command sets, ``base`` the value the field had when the command was made, and
``theirs`` the value the platform holds now:

- theirs already equals ours: nothing to send (a replay after a crash never writes twice);
- theirs still equals base: send ours on top of the platform's fresh resource;
- otherwise someone else changed the same field: a conflict showing both values; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class WriteAction(StrEnum):
    NOTHING_TO_SEND = "nothing-to-send"
    SEND = "send"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class WriteDecision:
    action: WriteAction
    ours: str | None
    base: str | None
    theirs: str | None


def decide_write(ours: str | None, base: str | None, theirs: str | None) -> WriteDecision:
    """What to do with one command's field, given the platform's current value ``theirs``."""
    if theirs == ours:
        action = WriteAction.NOTHING_TO_SEND
    elif theirs == base:
        action = WriteAction.SEND
    else:
        action = WriteAction.CONFLICT
    return WriteDecision(action, ours, base, theirs)
