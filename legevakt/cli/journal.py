"""``legevakt note``, ``legevakt send`` and ``legevakt deliveries``: the journal from a terminal.

Pinned for scripts:

- ``note Encounter/<id> --by Practitioner/<id> --text TEXT [--sign] [--json]`` writes a note (signed with
  ``--sign``) and prints ``{"note": "DocumentReference/<id>", "status": "preliminary|final", "on_platform",
  "identifier", "pending"}`` (``"note": null`` until the platform has it; ``pending``: queued, it goes at the
  next sync); ``note --sign DocumentReference/<id> --by Practitioner/<id>`` signs a saved one (signed by the
  same practitioner already: nothing changes, exit 0; by someone else: refused).
- ``send DocumentReference/<id> --by Practitioner/<id> [--to Practitioner/<id>|Organization/<id>] [--json]``
  sends a signed note (default recipient: the patient's GP) and prints ``{"communication":
  "Communication/<id>", "state": ...}``. Again while in flight or receipted: the existing one, exit 0 (also
  offline: from the ledger); after a rejection or an overdue: a resend.
- The note's ``identifier`` is accepted wherever ``DocumentReference/<id>`` is.
- ``deliveries [--json] [--all]``: the ledger (text: clinic time, names, the patient masked).

Exit codes as for ``do``: 0 done on the platform, 1 an error (nothing changed), 3 stored here but not (yet) on
the platform: queued in the outbox (it goes at the next sync), or refused by the platform (an alert says why).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from legevakt.app import clinic_time
from legevakt.app.headless import LedgerLine, deliveries_of, ledger_lines, send_note, sign_note, write_note
from legevakt.cli.options import CliError, common, settings_of

EXIT_NOT_APPLIED = 3


def add_parsers(sub: Any) -> None:
    note = sub.add_parser(
        "note", help="write a journal note (or sign a saved one)",
        description="Write a note for an encounter: legevakt note Encounter/<id> --by Practitioner/<id> --text "
                    "TEXT [--sign]. Sign a saved one: legevakt note --sign DocumentReference/<id> --by "
                    "Practitioner/<id>. Exit 0 on the platform, 3 queued, 1 error.")
    note.add_argument("target", metavar="Encounter/<id>|DocumentReference/<id>|IDENTIFIER",
                      help="an encounter (a new note), or a saved note by reference or by its identifier")
    note.add_argument("--by", required=True, metavar="Practitioner/<id>", help="the author (and signer)")
    note.add_argument("--text", help="the note's text (plain text)")
    note.add_argument("--sign", action="store_true", help="sign it (a signed note is never edited)")
    note.add_argument("--json", action="store_true", help="print one JSON object")
    common(note)
    send = sub.add_parser(
        "send", help="send a signed note to its recipient (default: the patient's GP)",
        description="Send a signed note. Sending again while in flight or receipted changes nothing; after a "
                    "rejection or an overdue it is a resend. Exit 0 on the platform, 3 queued, 1 error.")
    send.add_argument("note", metavar="DocumentReference/<id>|IDENTIFIER",
                      help="the note, by reference or by its identifier")
    send.add_argument("--by", required=True, metavar="Practitioner/<id>", help="who sends it")
    send.add_argument("--to", metavar="Practitioner/<id>|Organization/<id>",
                      help="the recipient (default: the patient's GP, Patient.generalPractitioner)")
    send.add_argument("--json", action="store_true", help="print one JSON object")
    common(send)
    deliveries = sub.add_parser(
        "deliveries", help="the ledger: every note sent, its state and receipt",
        description="The current shift's deliveries and every earlier one still open or needing action "
                    "(--all: every delivery).")
    deliveries.add_argument("--all", action="store_true", help="every delivery ever")
    deliveries.add_argument("--json", action="store_true", help="print JSON")
    common(deliveries)


def _print(doc: dict[str, Any], as_json: bool, line: str) -> None:
    if as_json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(line)


def _saved_note(target: str) -> bool:
    """``DocumentReference/<id>``, or the note's own ``identifier`` (a UUID, no slash): the handle of a note
    the platform does not have yet (queued or refused), accepted wherever ``DocumentReference/<id>`` is."""
    return target.startswith("DocumentReference/") or (bool(target) and "/" not in target)


def run_note(args: argparse.Namespace) -> int:
    target = args.target.strip()
    already = False
    if _saved_note(target):
        if not args.sign:
            raise CliError("to sign a saved note give --sign; to write a new one give Encounter/<id>")
        if args.text is not None:
            raise CliError("a saved note is signed as it is: --text goes with a new note; nothing signed")
        done = sign_note(settings_of(args), target, args.by.strip())
        already = not done.created
    elif target.startswith("Encounter/"):
        if args.text is None:
            raise CliError("give --text TEXT; nothing written")
        done = write_note(settings_of(args), target, args.by.strip(), args.text, sign=args.sign)
    else:
        raise CliError("give Encounter/<id> (a new note) or DocumentReference/<id> with --sign")
    note = done.note
    doc = {"note": note.ref, "status": note.status.value, "on_platform": done.on_platform,
           "identifier": note.identifier, "pending": done.pending}
    waiting = "" if done.on_platform else (" (refused by the platform)" if done.refused
                                            else " (queued: goes to the platform at the next sync)")
    same = f" (already signed by {args.by.strip()}: nothing changed)" if already else ""
    _print(doc, args.json, f"{note.ref or 'note ' + note.identifier}: {note.status.value}{same}{waiting}")
    if not done.on_platform:
        print(_REFUSED if done.refused else "legevakt: the note is stored here and queued, not yet on the platform",
              file=sys.stderr)
        return EXIT_NOT_APPLIED
    return 0


_REFUSED = "legevakt: refused by the platform, not on it (the alert says why); it is not sent again by itself"


def run_send(args: argparse.Namespace) -> int:
    to = args.to.strip() if args.to else None
    done = send_note(settings_of(args), args.note.strip(), args.by.strip(), to)
    d = done.delivery
    doc = {"communication": d.communication, "state": d.state.value, "recipient": d.recipient,
           # a send the platform refused made no Communication: not created (its state says "refused")
           "created": done.created and not done.refused, "resend_of": d.resend_of,
           "deadline": d.deadline.isoformat() if d.deadline and not done.refused else None}
    what = "refused by the platform" if done.refused else "sent" if done.created else "already sent (nothing changed)"
    _print(doc, args.json, f"{d.communication or 'queued'}: {what}, {d.state.value}, to {d.recipient}")
    if not done.on_platform:
        print(_REFUSED + "; send it again" if done.refused
              else "legevakt: stored here and queued, not yet on the platform", file=sys.stderr)
        return EXIT_NOT_APPLIED
    return 0


def run_deliveries(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if args.json:  # pinned: platform ids and UTC instants, as sync --json has them
        rows = deliveries_of(settings, everything=args.all)
        print(json.dumps([d.to_json() for d in rows], ensure_ascii=False, indent=2))
        return 0
    lines = ledger_lines(settings, everything=args.all)
    if not lines:
        print("No deliveries.")
        return 0
    now = datetime.now(UTC)
    for line in lines:
        print(delivery_line(line, now))
    return 0


def delivery_line(line: LedgerLine, now: datetime) -> str:
    """One delivery for a person: clinic time (HH:MM, with the date when not today), the recipient by name
    where known, the patient masked; the ids last, for scripts."""
    d = line.delivery

    def at(moment: datetime | None) -> str:
        return clinic_time.day_clock(moment, now) if moment is not None else "-"

    receipt = ""
    if d.receipt is not None:
        receipt = f", receipt {d.receipt.status.value}" + "".join(f" {e.code}" for e in d.receipt.errors)
    resent = f", resent as {d.resent_as}" if d.resent_as else ""
    to = f"{line.recipient_name} ({d.recipient})" if line.recipient_name else d.recipient
    when = (f"not sent: the platform refused it {at(d.created_at)}" if d.state.value == "refused"
            else f"sent {at(d.sent_at or d.created_at)}, deadline {at(d.deadline)}")
    return (f"{d.state.value:<22} {when}{receipt}{resent}"
            f"  to {to}  patient {line.patient or '-'}  {d.note} {d.communication or '(queued)'}")


__all__ = ["add_parsers", "run_deliveries", "run_note", "run_send"]
