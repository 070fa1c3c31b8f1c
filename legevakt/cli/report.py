"""``legevakt report``: the shift handover report as an A4 PDF (bokmål) and/or JSON.

Pinned for scripts: ``report --shift YYYY-MM-DD:NAME --pdf FILE [--json]`` (e.g. ``--shift
2026-12-02:evening``; a shift belongs to the date it starts on, so ``2026-12-02:night`` runs from 23:00 on
2 December). ``--json`` prints the report as data. Exit 0 when written, 1 on bad input or when the file
cannot be written: then nothing is written, and an existing file is left as it was (it is replaced
atomically only by a complete report).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from legevakt.app.headless import shift_report
from legevakt.cli.options import CliError, common, settings_of


def add_parsers(sub: Any) -> None:
    rep = sub.add_parser(
        "report", help="the shift handover report (PDF, bokmål)",
        description="The shift handover report from the local store: census with departures by reason, every "
                    "alert with who acknowledged and resolved it, undelivered and rejected notes, writes not "
                    "applied, the link's uptime. Patients appear only by masked identifier and visit id.")
    rep.add_argument("--shift", required=True, metavar="YYYY-MM-DD:NAME",
                     help="the shift, by the date it starts on and its name (e.g. 2026-12-02:evening)")
    rep.add_argument("--pdf", metavar="FILE", help="write the report as an A4 PDF to FILE (replaced atomically)")
    rep.add_argument("--json", action="store_true", help="print the report as JSON")
    rep.add_argument("--language", choices=("nb", "en"), help="the PDF's language (default: the configured one)")
    common(rep)  # --location names the clinic in the title; the platform is not contacted


def run(args: argparse.Namespace) -> int:
    if not args.pdf and not args.json:
        raise CliError("give --pdf FILE (and/or --json); nothing written")
    settings = settings_of(args)
    report = shift_report(settings, args.shift)
    pages = None
    if args.pdf:
        from legevakt.ui.report_pdf import ReportWriteError, render_report_pdf

        try:
            pages = render_report_pdf(report, args.pdf, language=args.language or settings.language)
        except ReportWriteError as exc:
            raise CliError(f"{exc}; nothing written") from exc
    if args.json:
        doc = report.to_json()
        if pages is not None:
            doc["pdf"] = {"path": args.pdf, "pages": pages}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(f"wrote {args.pdf}: shift {report.spec}, {pages} page(s)")
    return 0
