"""The shift report PDF: A4, page numbers "Side N av M", only masked patients, values as text, written
atomically. Text is read back with poppler's ``pdftotext`` where it is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from legevakt.app.report import ShiftReport, build_report, parse_report_shift
from legevakt.app.settings import Settings
from legevakt.store.db import open_store
from legevakt.ui import report_pdf
from legevakt.ui.keyboard import plain
from legevakt.ui.main_window import MainWindow
from legevakt.ui.report_pdf import ReportWriteError, render_report_pdf, report_html, shift_title, title_text
from legevakt.worklist.census import Shift
from legevakt.worklist.write_outcomes import CLEARED_BY_CHANGE
from tests.app.test_report import NAMES, NEXT, PREV, fill, fill_resends, nin, oslo
from tests.ui.conftest import FakeService

A4_POINTS = (595.276, 841.89)

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="pdftotext (poppler-utils) is not installed: cannot read the PDF's text")


@pytest.fixture
def report(tmp_path: Path) -> ShiftReport:
    settings = Settings(data_dir=str(tmp_path / "data"), location="Location/lv-test")
    store = open_store(settings.data_path())
    try:
        fill(store)
        return build_report(store, settings, parse_report_shift(settings, "2025-12-02:evening"),
                            now=oslo(8, day=NEXT))
    finally:
        store.close()


@pytest.fixture
def long_report(report: ShiftReport) -> ShiftReport:
    """Forty alerts more: the alert table runs over several pages."""
    extra = tuple(replace(report.alerts[-1], id=f"AL-{100 + i:06d}",
                          raised_at=report.alerts[-1].raised_at + timedelta(minutes=i)) for i in range(40))
    return replace(report, alerts=report.alerts + extra)


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def text_of(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page is not None else []
    out = subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    return unicodedata.normalize("NFKC", out)  # the font's ligatures (fi, fl) back to letters


def test_an_a4_pdf_with_one_page_per_returned_count(qapp: QApplication, long_report: ShiftReport,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "vakt.pdf"
    pages = render_report_pdf(long_report, out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pages >= 3
    assert page_count(data) == pages
    boxes = media_boxes(data)
    assert len(boxes) == pages
    for w, h in boxes:
        assert (round(w), round(h)) == (round(A4_POINTS[0]), round(A4_POINTS[1]))


@needs_pdftotext
def test_every_page_is_numbered_and_continued_tables_repeat_their_header(qapp: QApplication,
                                                                         long_report: ShiftReport,
                                                                         tmp_path: Path) -> None:
    out = tmp_path / "vakt.pdf"
    pages = render_report_pdf(long_report, out)
    for n in range(1, pages + 1):
        page = text_of(out, n)
        assert f"Side {n} av {pages}" in page
        assert "Vaktrapport · lv-test · kveldsvakt 02.12.2025" in page
    # The alert table continues on page 2 under its own header; no alert is cut in two or lost.
    assert "Oppdaget" in text_of(out, 2) and "Kvittert" in text_of(out, 2)
    whole = text_of(out)
    for alert in long_report.alerts:
        assert whole.count(alert.id) == 1, alert.id


@needs_pdftotext
def test_the_words_are_bokmal_and_the_sections_all_there(qapp: QApplication, report: ShiftReport,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "vakt.pdf"
    render_report_pdf(report, out)
    text = text_of(out)
    assert "Vaktrapport — Legevakt lv-test — kveldsvakt 2. desember 2025" in " ".join(text.split())
    for heading in ("Oversikt", "Pasienttelling", "Varsler", "Journalnotater ikke levert i tide",
                    "Journalnotater avvist av mottaker", "Endringer ikke lagret på plattformen",
                    "Forbindelsen med plattformen"):
        assert heading in text, heading
    flat = " ".join(text.split())
    # The balance, with the day shift's patient carried over (e6): 1 + 5 = 3 + 2 + 1.
    assert "1 overført + 5 ankommet = 3 reist + 2 til stede + 1 falt ut, uavklart" in flat
    assert "Overført fra forrige vakt 1" in flat and "Ankommet i vakten 5" in flat
    assert "Reist i vakten 3" in flat and "Til stede ved vaktslutt (overlevert) 2" in flat
    assert "Falt ut av køen, uavklart 1" in flat and "Pasienter overført fra forrige vakt 1" in flat
    assert "Hjem" in text and "Innlagt" in text
    assert "Oppe 7 t 15 min av 8 t 0 min med kjent status (90,6 %)" in flat
    assert "Falt ut av køen" in flat and "Morten Aas" in flat and "automatisk, 19:50" in flat
    assert "E21" in flat and "avvist" in flat and "konflikt" in flat
    assert "triage → Rød" in flat and "status → Under" in flat  # (the cells wrap)
    assert "seen by a doctor" not in flat  # the automatic resolution's English words stay in the JSON


@needs_pdftotext
def test_an_alert_their_own_change_cleared_reads_as_such_in_bokmal(qapp: QApplication, report: ShiftReport,
                                                                   tmp_path: Path) -> None:
    last = report.alerts[-1]
    cleared = replace(last, id="AL-000777", status="resolved", resolved_by="Kari Sykepleier",
                      resolved_at=last.raised_at + timedelta(minutes=5),
                      resolution=CLEARED_BY_CHANGE.format(field="triage"))
    out = tmp_path / "vakt.pdf"
    render_report_pdf(replace(report, alerts=(*report.alerts, cleared)), out)
    text = text_of(out)
    assert "Kari Sykepleier" in text
    assert re.search(r"løst ved endring av\s+(.*\s+)?triage", text)  # the cell may wrap
    assert "cleared by their change" not in text


@needs_pdftotext
def test_patients_only_masked_and_markup_shown_as_text(qapp: QApplication, report: ShiftReport,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "vakt.pdf"
    render_report_pdf(report, out)
    text = text_of(out)
    assert "160865 *****" in text  # the dropped patient, masked
    for n, name in NAMES.items():
        assert nin(n) not in text
        for word in name.replace(",", "").split():
            assert re.search(rf"\b{word}\b", text) is None, word
    # A comment that looks like HTML is printed as it was typed, not interpreted.
    assert "<b>nå</b>" in text


def test_the_html_escapes_every_value(report: ShiftReport) -> None:
    doc = report_html(report)
    assert "&lt;b&gt;nå&lt;/b&gt;" in doc
    assert "<b>nå</b>" not in doc


def test_an_existing_file_is_replaced_whole_and_nothing_is_left_beside_it(qapp: QApplication,
                                                                          report: ShiftReport,
                                                                          tmp_path: Path) -> None:
    out = tmp_path / "vakt.pdf"
    out.write_bytes(b"an older report")
    render_report_pdf(report, out)
    assert out.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == ["vakt.pdf"]


def test_a_failure_while_painting_keeps_the_old_file(qapp: QApplication, report: ShiftReport, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "vakt.pdf"
    out.write_bytes(b"an older report")

    def crash(*args: object) -> int:
        Path(str(args[1])).write_bytes(b"%PDF-1.4 half")
        raise RuntimeError("crashed while painting")

    monkeypatch.setattr(report_pdf, "_paint", crash)
    with pytest.raises(RuntimeError):
        render_report_pdf(report, out)
    assert out.read_bytes() == b"an older report"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == ["vakt.pdf"]


def test_a_missing_folder_writes_nothing(qapp: QApplication, report: ShiftReport, tmp_path: Path) -> None:
    with pytest.raises(ReportWriteError, match="does not exist"):
        render_report_pdf(report, tmp_path / "nowhere" / "vakt.pdf")
    assert not (tmp_path / "nowhere").exists()
    with pytest.raises(ReportWriteError, match="folder"):
        render_report_pdf(report, tmp_path)


@needs_pdftotext
def test_english_on_request(qapp: QApplication, report: ShiftReport, tmp_path: Path) -> None:
    out = tmp_path / "shift.pdf"
    render_report_pdf(report, out, language="en")
    text = text_of(out)
    assert "Page 1 of" in text and "Census" in text and "Side 1" not in text


def test_the_menu_names_shifts_in_bokmal() -> None:
    shift = parse_report_shift(Settings(), "2025-12-02:night")
    assert shift_title(shift) == "Nattevakt 02.12.2025 23:00–07:00"
    assert shift_title(shift, "en") == "Night shift 02.12.2025 23:00–07:00"


# -- the window's "Vaktrapport…" ----------------------------------------------------------------------


class ReportingService(FakeService):
    """A fake service that gathers a report as the real one does: asked by request_report, handed out
    on report_ready (here at once, in this thread)."""

    report_ready = Signal(object)

    def __init__(self, report: ShiftReport) -> None:
        super().__init__()
        self.report = report
        self.requested: list[Shift] = []

    def request_report(self, shift: Shift) -> None:
        self.requested.append(shift)
        self.report_ready.emit(self.report)


def test_the_menu_entry_asks_for_a_shift_and_a_file_then_writes_the_pdf(qtbot: QtBot, report: ShiftReport,
                                                                         tmp_path: Path) -> None:
    service = ReportingService(report)
    window = MainWindow(service, clock=lambda: oslo(22, 30))
    qtbot.addWidget(window)
    (menu,) = [a for a in window.menuBar().actions() if a.text() == "&Vakt"]
    assert "Vaktrapport…" in [plain(a.text()) for a in menu.menu().actions()]
    offered: list[list[Shift]] = []
    out = tmp_path / "rapport.pdf"

    def choose(shifts: list[Shift]) -> tuple[Shift, str]:
        offered.append(shifts)
        return shifts[0], str(out)

    window.choose_report = choose
    window.report_action.trigger()
    # The current shift (22:30: the evening) and the two before it, newest first.
    assert [(s.name, s.start) for s in offered[0]] == [("evening", oslo(15)), ("day", oslo(7)),
                                                       ("night", oslo(23, day=PREV))]
    assert [s.name for s in service.requested] == ["evening"]
    assert out.read_bytes().startswith(b"%PDF-")
    assert window.report_box is not None and str(out) in window.report_box.text()


def test_cancelling_asks_for_nothing(qtbot: QtBot, report: ShiftReport) -> None:
    service = ReportingService(report)
    window = MainWindow(service, clock=lambda: oslo(22, 30))
    qtbot.addWidget(window)
    window.choose_report = lambda shifts: None
    window.report_action.trigger()
    assert service.requested == []


def test_a_report_that_cannot_be_written_says_so_in_the_banner(qtbot: QtBot, report: ShiftReport,
                                                               tmp_path: Path) -> None:
    service = ReportingService(report)
    window = MainWindow(service, clock=lambda: oslo(22, 30))
    qtbot.addWidget(window)
    target = tmp_path / "nowhere" / "rapport.pdf"
    window.choose_report = lambda shifts: (shifts[0], str(target))
    window.report_action.trigger()
    assert not target.parent.exists()
    assert any("Vaktrapporten kunne ikke lagres" in line.text for line in window.banner.lines())


def test_nothing_is_reported_behind_the_idle_lock(qtbot: QtBot, report: ShiftReport) -> None:
    service = ReportingService(report)
    window = MainWindow(service, clock=lambda: oslo(22, 30))
    qtbot.addWidget(window)
    window.choose_report = lambda shifts: (shifts[0], "/tmp/never.pdf")
    window.idle_lock.locked.emit()
    assert not window.menuBar().isEnabled()
    window.ask_for_report()
    assert service.requested == []
    window.idle_lock.unlocked.emit()
    assert window.menuBar().isEnabled()


def test_a_service_without_reports_disables_the_entry(qtbot: QtBot) -> None:
    window = MainWindow(FakeService(), clock=lambda: oslo(22, 30))
    qtbot.addWidget(window)
    assert not window.report_action.isEnabled()


def test_the_title_without_a_configured_clinic(report: ShiftReport) -> None:
    assert title_text(report) == "Vaktrapport — Legevakt lv-test — kveldsvakt 2. desember 2025"
    assert title_text(replace(report, location="")) == "Vaktrapport — Legevakt — kveldsvakt 2. desember 2025"


@pytest.fixture
def resends(tmp_path: Path) -> ShiftReport:
    settings = Settings(data_dir=str(tmp_path / "resends"), location="Location/lv-trondheim")
    store = open_store(settings.data_path())
    try:
        fill_resends(store)
        return build_report(store, settings, parse_report_shift(settings, "2025-12-02:evening"),
                            now=oslo(8, day=NEXT), names={"Practitioner/gp-08": "Mari Demolege"},
                            location_name="Trondheim legevakt")
    finally:
        store.close()


@needs_pdftotext
def test_resends_refusals_and_people_read_in_words_with_only_short_ids(qapp: QApplication, resends: ShiftReport,
                                                                       tmp_path: Path) -> None:
    out = tmp_path / "vakt.pdf"
    render_report_pdf(resends, out)
    text = text_of(out)
    flat = " ".join(text.split())
    assert "Vaktrapport — Trondheim legevakt — kveldsvakt 2. desember 2025" in flat
    assert "Vaktrapport · Trondheim legevakt · kveldsvakt 02.12.2025" in flat  # the footer
    assert "lv-trondheim" not in flat
    html = report_html(resends)
    sections = {h: html.index(f"<h2>{h}</h2>") for h in (
        "Journalnotater ikke levert i tide", "Journalnotater avvist av mottaker",
        "Journalnotater ikke sendt: avvist av plattformen", "Endringer ikke lagret på plattformen")}
    late = html[sections["Journalnotater ikke levert i tide"]:sections["Journalnotater avvist av mottaker"]]
    refused = html[sections["Journalnotater ikke sendt: avvist av plattformen"]:
                   sections["Endringer ikke lagret på plattformen"]]
    # Late, then delivered through its resend: not "overdue now".
    assert "levert (sendt på nytt), kvittert 19:22" in late and "sendt på nytt 19:15" in late
    assert "forsinket" not in late
    # Refused by the platform: in its own section, not sent, not late.
    assert "ikke sendt: plattformen avviste forsendelsen" in refused and "forsinket" not in refused
    assert "levert (sendt på nytt)" in flat and "ikke sendt: plattformen avviste" in flat
    assert "forsendelse av journalnotat" in html and "forsendelse av" in flat and "journaldokument" not in flat
    # People by name; platform ids only short, whole, for tracing.
    assert "Mari Demolege" in flat and "Morten Aas" in flat
    for raw in ("Practitioner/", "Communication/", "fdfd25c2f5669037", "a95994b9729238e5", "f84d2829c95b519e"):
        assert raw not in flat, raw
        assert raw not in html, raw
    assert "melding\u00a0fdfd25c2…" in html and "a95994b9…" in html
    assert "fdfd25c2..." in flat and "a95994b9..." in flat  # (NFKC reads the ellipsis as three dots)


def test_a_long_visit_id_is_shown_short_and_whole_ids_never(resends: ShiftReport) -> None:
    long_visit = "Encounter/2201df5684262763"
    report = replace(resends, undelivered=tuple(replace(d, encounter=long_visit) for d in resends.undelivered))
    html = report_html(report)
    assert "2201df56…" in html and "2201df5684262763" not in html
    assert "<span class='id'>2201df56…</span>" in html  # small, muted, unbroken
