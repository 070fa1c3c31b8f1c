"""QueueModel and QueueFilterProxy: an incremental adapter over the queue, in the clinical order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from legevakt.ui import style
from legevakt.ui.queue_model import (
    TICK_ROLES,
    Column,
    QueueFilter,
    QueueFilterProxy,
    QueueModel,
    QueueRole,
    sort_key,
)
from legevakt.worklist.models import AlertKind, AlertStatus, EncounterStatus, Fate, Severity
from tests.ui.conftest import NOW, bump, clinic, clock, make_alert, make_entry, make_summary

DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
DECORATION = int(Qt.ItemDataRole.DecorationRole.value)


class Spy:
    """Records a model's structural and data signals."""

    def __init__(self, model: QueueModel) -> None:
        self.inserted: list[tuple[int, int]] = []
        self.removed: list[tuple[int, int]] = []
        self.changed: list[tuple[int, int, int, int, list[int]]] = []
        self.resets = 0
        self.layouts = 0
        model.rowsInserted.connect(lambda _p, a, b: self.inserted.append((a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.removed.append((a, b)))
        model.dataChanged.connect(lambda tl, br, roles=(): self.changed.append(
            (tl.row(), br.row(), tl.column(), br.column(), list(roles))))
        model.modelReset.connect(self._reset)
        model.layoutChanged.connect(self._layout)

    def _reset(self) -> None:
        self.resets += 1

    def _layout(self, *_args: object) -> None:
        self.layouts += 1


def model_with_clinic() -> tuple[QueueModel, list]:
    model = QueueModel(clock=clock, language="nb")
    entries, alerts = clinic()
    model.apply(make_summary(entries, alerts=alerts, initial=True))
    return model, entries


def row_texts(model: QueueModel, row: int) -> list[str]:
    return [model.data(model.index(row, c), DISPLAY) for c in range(model.columnCount())]


# -- qtmodeltester -----------------------------------------------------------------------------
def test_empty_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(QueueModel(clock=clock))


def test_filled_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model, _ = model_with_clinic()
    qtmodeltester.check(model)


def test_filled_model_passes_the_python_model_tester(qtmodeltester: ModelTester) -> None:
    model, _ = model_with_clinic()
    qtmodeltester.check(model, force_py=True)


def test_model_stays_valid_through_inserts_changes_removals_and_ticks(qtmodeltester: ModelTester) -> None:
    model = QueueModel(clock=clock)
    qtmodeltester.check(model)  # the tester stays attached and rechecks on every signal
    entries, alerts = clinic()
    model.apply(make_summary(entries[:6], alerts=alerts[:1], initial=True))
    model.apply(make_summary(entries[6:], alerts=alerts[1:]))
    model.apply(make_summary([bump(entries[3], doctor="Practitioner/x", doctor_name="X, Y")]))
    model.apply(make_summary(removed=[entries[0].ref, entries[5].ref, entries[6].ref, entries[13].ref]))
    model.tick(NOW + timedelta(minutes=5))
    model.apply(make_summary(entries[2:4], initial=True))
    assert model.rowCount() == 2


def test_proxy_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model, entries = model_with_clinic()
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_queue_filter(QueueFilter.WAITING)
    model.apply(make_summary([bump(entries[2], status=EncounterStatus.IN_PROGRESS)], removed=[entries[4].ref]))
    proxy.set_queue_filter(QueueFilter.DROPPED)
    proxy.set_queue_filter(QueueFilter.ALL)


# -- incremental updates -----------------------------------------------------------------------
def test_new_entries_are_inserted_not_reset() -> None:
    model = QueueModel(clock=clock)
    spy = Spy(model)
    entries, _ = clinic()
    model.apply(make_summary(entries[:3], initial=True))
    model.apply(make_summary(entries[3:5]))
    assert spy.inserted == [(0, 2), (3, 4)]
    assert spy.resets == 0 and spy.removed == []
    assert model.refs() == tuple(e.ref for e in entries[:5])


def test_changed_entry_emits_data_changed_for_its_row_with_roles() -> None:
    model, entries = model_with_clinic()
    spy = Spy(model)
    changed = bump(entries[4], status=EncounterStatus.IN_PROGRESS, doctor="Practitioner/aas", doctor_name="Aas, M")
    model.apply(make_summary([changed, entries[5]]))  # entries[5] is unchanged: no signal for it
    assert spy.inserted == [] and spy.removed == [] and spy.resets == 0
    assert len(spy.changed) == 1
    top, bottom, left, right, roles = spy.changed[0]
    assert (top, bottom, left, right) == (4, 4, 0, len(Column) - 1)
    assert DISPLAY in roles and int(QueueRole.ENTRY) in roles and int(QueueRole.SORT_KEY) in roles
    assert model.data(model.index(4, Column.DOCTOR), DISPLAY) == "Aas, M"


def test_removed_refs_emit_rows_removed_in_runs() -> None:
    model, entries = model_with_clinic()
    spy = Spy(model)
    model.apply(make_summary(removed=[entries[2].ref, entries[3].ref, entries[9].ref, "Encounter/unknown"]))
    assert spy.removed == [(9, 9), (2, 3)]
    assert spy.resets == 0 and spy.inserted == []
    assert entries[2].ref not in model.refs() and model.rowCount() == len(entries) - 3
    # The index is consistent after removal.
    for row, ref in enumerate(model.refs()):
        assert model.row_of(ref) == row
        assert model.data(model.index(row, 0), QueueRole.REF) == ref


def test_departed_upsert_takes_the_row_off() -> None:
    model, entries = model_with_clinic()
    spy = Spy(model)
    gone = replace(entries[7], fate=Fate.DEPARTED, encounter=replace(entries[7].encounter,
                                                                       status=EncounterStatus.FINISHED))
    model.apply(make_summary([gone]))
    assert spy.removed == [(7, 7)] and spy.resets == 0
    assert model.entry(entries[7].ref) is None


def test_initial_summary_drops_stale_rows_incrementally() -> None:
    model, entries = model_with_clinic()
    spy = Spy(model)
    model.apply(make_summary(entries[:2], initial=True))
    assert spy.resets == 0
    assert model.refs() == (entries[0].ref, entries[1].ref)
    assert sum(b - a + 1 for a, b in spy.removed) == len(entries) - 2


def test_unchanged_summary_emits_nothing() -> None:
    model, entries = model_with_clinic()
    spy = Spy(model)
    model.apply(make_summary(entries))
    assert (spy.inserted, spy.removed, spy.changed, spy.resets) == ([], [], [], 0)


def test_tick_refreshes_the_waiting_column_only() -> None:
    model, _ = model_with_clinic()
    spy = Spy(model)
    model.tick(NOW + timedelta(minutes=7))
    assert spy.changed == [(0, model.rowCount() - 1, Column.WAITING, Column.WAITING, list(TICK_ROLES))]
    assert int(QueueRole.SORT_KEY) not in TICK_ROLES and int(QueueRole.ENTRY) not in TICK_ROLES
    assert model.data(model.index(2, Column.WAITING), DISPLAY) == "23 min"  # 16 + 7


# -- what the cells say ------------------------------------------------------------------------
def test_row_reads_in_norwegian_with_masked_identifier() -> None:
    model, entries = model_with_clinic()
    texts = row_texts(model, 2)  # Hansen, Lars: orange, 16 min, waiting for a doctor
    identifier = entries[2].patient.identifier
    assert texts[Column.TRIAGE] == "Oransje"
    assert texts[Column.WAITING] == "16 min"
    assert texts[Column.NAME] == "Hansen, Lars"
    assert texts[Column.IDENT] == "03.04.1992"  # Patient.birthDate
    assert identifier[6:] not in " ".join(texts)  # never the personal digits
    ident_tip = model.data(model.index(2, Column.IDENT), int(Qt.ItemDataRole.ToolTipRole.value))
    assert ident_tip == f"Født 03.04.1992 · Fødselsnummer {identifier[:6]} *****"
    assert texts[Column.AGE_SEX] == "32 M"
    assert texts[Column.COMPLAINT] == "Allergisk reaksjon"
    assert texts[Column.STATE] == "Venter på lege"
    assert texts[Column.NURSE] == "Vik, Siri"
    assert texts[Column.ALERTS] == "Over triagetid"
    tip = model.data(model.index(2, Column.TRIAGE), int(Qt.ItemDataRole.ToolTipRole.value))
    assert tip == "Oransje – svært haster"


def test_untriaged_and_dropped_states_read_without_colour() -> None:
    model, _ = model_with_clinic()
    assert model.data(model.index(11, Column.TRIAGE), DISPLAY) == "Ikke triert"
    assert model.data(model.index(0, Column.STATE), DISPLAY) == "FALT UT AV KØEN"
    assert model.data(model.index(0, Column.ALERTS), DISPLAY) == "Falt ut"


def test_triage_cell_has_colour_swatch_and_readable_text() -> None:
    model, _ = model_with_clinic()
    red = model.index(1, Column.TRIAGE)
    assert model.data(red, DECORATION) == QColor(style.TRIAGE_COLOURS["red"])
    assert model.data(red, BACKGROUND).color() == QColor("#d32f2f")
    assert model.data(red, FOREGROUND).color() == QColor("#ffffff")
    yellow = model.index(4, Column.TRIAGE)
    assert model.data(yellow, FOREGROUND).color() != QColor("#ffffff")  # dark text on yellow


def test_dropped_row_is_red_across() -> None:
    model, _ = model_with_clinic()
    for col in range(1, model.columnCount()):
        brush = model.data(model.index(0, col), BACKGROUND)
        assert isinstance(brush, QBrush) and brush.color() == QColor(style.CRITICAL_BG)


@pytest.mark.parametrize(("minutes", "level", "background"), [
    (59, 0, None), (60, 1, style.WARNING_BG), (119, 1, style.WARNING_BG), (120, 2, style.CRITICAL_SOFT_BG),
])
def test_waiting_time_turns_amber_past_target_and_red_past_twice(minutes: int, level: int,
                                                                 background: str | None) -> None:
    model = QueueModel(clock=clock)
    model.apply(make_summary([make_entry(1, minutes_ago=minutes, triage="yellow")]))
    idx = model.index(0, Column.WAITING)
    assert model.data(idx, QueueRole.WAIT_LEVEL) == level
    brush = model.data(idx, BACKGROUND)
    assert (brush.color() if brush is not None else None) == (QColor(background) if background else None)


def test_waiting_time_colour_moves_with_the_clock() -> None:
    model = QueueModel(clock=clock)
    model.apply(make_summary([make_entry(1, minutes_ago=5, triage="orange")]))
    idx = model.index(0, Column.WAITING)
    assert model.data(idx, QueueRole.WAIT_LEVEL) == 0
    model.tick(NOW + timedelta(minutes=5))
    assert model.data(idx, QueueRole.WAIT_LEVEL) == 1
    model.tick(NOW + timedelta(minutes=15))
    assert model.data(idx, QueueRole.WAIT_LEVEL) == 2


def test_no_wait_colour_once_a_doctor_has_taken_over() -> None:
    model = QueueModel(clock=clock)
    model.apply(make_summary([make_entry(1, minutes_ago=300, triage="orange", status=EncounterStatus.IN_PROGRESS,
                                         doctor="Aas, Morten")]))
    assert model.data(model.index(0, Column.WAITING), QueueRole.WAIT_LEVEL) == 0


def test_alert_changes_update_the_alerts_column() -> None:
    model, entries = model_with_clinic()
    spy = Spy(model)
    row = 9  # Eriksen: no alerts yet
    assert model.data(model.index(row, Column.ALERTS), DISPLAY) == ""
    alert = make_alert(50, AlertKind.DUPLICATE_PATIENT, entries[row], severity=Severity.WARNING)
    model.apply(make_summary(alerts=[alert]))
    assert model.data(model.index(row, Column.ALERTS), DISPLAY) == "Duplikat"
    assert model.data(model.index(row, Column.ALERTS), DECORATION) is not None
    assert spy.changed and all(c[0] == c[1] == row for c in spy.changed)
    model.apply(make_summary(alerts=[replace(alert, status=AlertStatus.RESOLVED)]))
    assert model.data(model.index(row, Column.ALERTS), DISPLAY) == ""
    assert model.alerts_for(entries[row].ref) == ()
    assert spy.resets == 0


# -- the proxy: order and filters --------------------------------------------------------------
def visible_names(proxy: QueueFilterProxy) -> list[str]:
    return [proxy.data(proxy.index(r, Column.NAME), DISPLAY) for r in range(proxy.rowCount())]


def test_default_order_dropped_then_untriaged_then_triage_then_arrival() -> None:
    model, _ = model_with_clinic()
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    assert visible_names(proxy) == [
        "Johansen, Ole Martin",  # dropped: pinned on top
        "Haugen, Emil", "Moen, Sara",  # untriaged, earliest first
        "Berg, Ingrid",  # red
        "Hansen, Lars", "Nilsen, Sofie",  # orange
        "Larsen, Kristoffer", "Pedersen, Nora", "Andersen, Emma",  # yellow by arrival
        "Karlsen, Jonas", "Olsen, Maja", "Eriksen, Henrik",  # green
        "Solberg, Astrid", "Bakken, Piotr",  # blue
    ]


def test_newly_dropped_entry_moves_to_the_top() -> None:
    model, entries = model_with_clinic()
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    spy = Spy(model)
    model.apply(make_summary([replace(entries[13], fate=Fate.DROPPED, in_list=False)]))
    assert visible_names(proxy)[:2] == ["Johansen, Ole Martin", "Bakken, Piotr"]
    assert spy.resets == 0


def test_retriage_re_sorts() -> None:
    model, entries = model_with_clinic()
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    model.apply(make_summary([bump(entries[13], triage="red")]))
    assert visible_names(proxy)[3:5] == ["Bakken, Piotr", "Berg, Ingrid"]  # both red: earlier arrival first


@pytest.mark.parametrize(("which", "expected"), [
    (QueueFilter.ALL, 14),
    (QueueFilter.WAITING, 1 + 9),  # dropped (pinned) + waiting for a doctor
    (QueueFilter.IN_TREATMENT, 1 + 4),
    (QueueFilter.DROPPED, 1),
])
def test_filters(which: QueueFilter, expected: int) -> None:
    model, _ = model_with_clinic()
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_queue_filter(which)
    assert proxy.rowCount() == expected
    assert visible_names(proxy)[0] == "Johansen, Ole Martin"  # a dropped patient is in every view
    counts = proxy.counts()
    assert counts[QueueFilter.WAITING] + counts[QueueFilter.IN_TREATMENT] + counts[QueueFilter.DROPPED] == 14


def test_filter_follows_status_changes() -> None:
    model, entries = model_with_clinic()
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_queue_filter(QueueFilter.WAITING)
    assert "Hansen, Lars" in visible_names(proxy)
    model.apply(make_summary([bump(entries[2], status=EncounterStatus.IN_PROGRESS, doctor="Practitioner/a",
                                   doctor_name="Aas, Morten")]))
    assert "Hansen, Lars" not in visible_names(proxy)


def test_sort_key_is_total() -> None:
    entries, _ = clinic()
    keys = [sort_key(e, None) for e in entries]
    assert len(set(keys)) == len(keys)


def test_header_is_norwegian_and_no_data_for_invalid_indexes() -> None:
    model, _ = model_with_clinic()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Triage", "Venter", "Navn", "Født", "Alder", "Årsak", "Status", "Rom",
                       "Sykepleier", "Lege", "Varsler", "⟳"]
    assert model.data(QModelIndex(), DISPLAY) is None
    assert model.headerData(0, Qt.Orientation.Vertical) is None


def test_entry_without_patient_still_shows(qtbot: QtBot) -> None:
    model = QueueModel(clock=clock)
    bare = replace(make_entry(1, triage="unknown-level"), patient=None)
    model.apply(make_summary([bare]))
    texts = row_texts(model, 0)
    assert texts[Column.NAME] == "Ukjent pasient"
    assert texts[Column.TRIAGE] == "Ukjent nivå: unknown-level"
    assert texts[Column.AGE_SEX] == "–"
