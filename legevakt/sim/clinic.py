"""The synthetic emergency clinic: locations, staff, patients, encounters and the queue List.

Events run on a simulated clock in minutes (``advance``); every timestamp written is wall-clock UTC, so
the simulated clock only sets the *rate* of events. All randomness comes from one seeded
``random.Random``, so ``advance`` from a given state is reproducible. Every public method takes the
store's lock, so the clinic is safe to drive from any thread.
"""

from __future__ import annotations

import copy
import datetime as dt
import heapq
import logging
import math
import random
import time
from dataclasses import dataclass
from typing import Any

from legevakt import codes
from legevakt.sim.config import SimConfig
from legevakt.sim.fhirtime import instant, utcnow
from legevakt.sim.identity import Person, make_hpr, make_name, make_person, person_from_nin
from legevakt.sim.recipients import gp_for
from legevakt.sim.resources import Resource, ResourceStore, Version
from legevakt.sim.search import norm_ref

log = logging.getLogger("legevakt.sim")

ACTIVE_STATUSES = frozenset({"planned", "arrived", "triaged", "in-progress", "onleave", "unknown"})
TERMINAL_STATUSES = frozenset({"finished", "cancelled", "entered-in-error"})

COLOUR_DISPLAY = {"red": "Rød", "orange": "Oransje", "yellow": "Gul", "green": "Grønn", "blue": "Blå"}
ACT_PRIORITY_DISPLAY = {"S": "stat", "EM": "emergency", "UR": "urgent", "R": "routine", "EL": "elective"}
DEPARTURE_DISPLAY = {
    "home": "Hjem",
    "admitted": "Innlagt",
    "transferred": "Overført",
    "lwbs": "Gikk før undersøkelse",
    "deceased": "Død",
    "other": "Annet",
}

# Chief complaints: code, Norwegian text, weights for red/orange/yellow/green/blue.
COMPLAINTS: tuple[tuple[str, str, tuple[int, int, int, int, int]], ...] = (
    ("chest-pain", "Brystsmerter", (8, 35, 40, 15, 2)),
    ("abdominal-pain", "Magesmerter", (1, 12, 45, 35, 7)),
    ("fever", "Feber", (1, 8, 35, 45, 11)),
    ("hand-laceration", "Kutt i hånd", (0, 3, 25, 57, 15)),
    ("dyspnoea", "Pustebesvær", (8, 30, 42, 18, 2)),
    ("headache", "Hodepine", (2, 10, 38, 40, 10)),
    ("dizziness", "Svimmelhet", (2, 10, 40, 40, 8)),
    ("allergic-reaction", "Allergisk reaksjon", (5, 20, 35, 35, 5)),
    ("back-pain", "Ryggsmerter", (0, 4, 30, 50, 16)),
    ("ankle-injury", "Vridd ankel", (0, 1, 15, 60, 24)),
    ("urinary-pain", "Svie ved vannlating", (0, 2, 20, 55, 23)),
    ("head-injury", "Hodeskade", (3, 20, 45, 28, 4)),
)

# Mean minutes from triage to doctor per colour (exponential, so some wait past the target).
MEAN_WAIT = {"red": 2.0, "orange": 9.0, "yellow": 40.0, "green": 75.0, "blue": 100.0}
LWBS_RATE = {"red": 0.0, "orange": 0.0, "yellow": 0.02, "green": 0.06, "blue": 0.1}
MEAN_INTERARRIVAL = 5.5  # sim minutes; with ~110 min stays keeps ~20 active
TARGET_ACTIVE = 20  # arrivals slow down above this and speed up below (diversion), to stay within ~15-25
ARRIVAL_SHAPE = 3  # gamma-distributed gaps: less bursty than Poisson
DISPOSITIONS = (("home", 780), ("admitted", 140), ("transferred", 60), ("other", 15), ("deceased", 5))

PHYSICAL_TYPE_ROOM = {"coding": [{"system": codes.LOCATION_PHYSICAL_TYPE, "code": "ro", "display": "Room"}]}


@dataclass(frozen=True)
class Staff:
    ref: str
    name: str
    doctor: bool


def _enc_ref(ref: str) -> str:
    ref = norm_ref(ref)
    return ref if "/" in ref else f"Encounter/{ref}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """Ground truth for one Encounter: when it arrived and what became of it (see ``Clinic.ground_truth``)."""

    arrived_at: dt.datetime
    fate: str  # "departed", "present" or "dropped"
    reason: str | None  # for departed: a departure code, "unspecified", "cancelled" or "entered-in-error"


class Clinic:
    """The synthetic clinic. See the module docstring."""

    def __init__(self, store: ResourceStore, config: SimConfig, faults: Any = None) -> None:
        """``faults``: the knobs (``list_lag_seconds`` is read here); None: none."""
        self.store = store
        self.faults = faults
        self._late_list: list[tuple[float, str, str]] = []  # (monotonic due, ref, entry date): lagging entries
        self.config = config
        self.lock = store.lock
        self.rng = random.Random(f"clinic-{config.seed}")
        self.sim_now = 0.0  # simulated minutes since start
        self.clinic_id = config.clinic_id
        self.clinic_ref = f"Location/{config.clinic_id}"
        self.list_ref = f"List/{config.clinic_id}-queue"
        city = config.clinic_id.split("-", 1)[-1].replace("-", " ").title()
        self.clinic_name = f"{city} legevakt"
        self.rooms: list[tuple[str, str]] = []  # (ref, name)
        self.nurses: list[Staff] = []
        self.doctors: list[Staff] = []
        self._plans: dict[str, tuple[float, str, int]] = {}  # enc id -> (time, action, token)
        self._heap: list[tuple[float, int, str]] = []
        self._token = 0
        self._been_on_leave: set[str] = set()
        self._pending_colour: dict[str, str] = {}  # enc id -> colour it will get at triage
        self._active: set[str] = set()  # ids of non-terminal Encounters at the clinic
        self._room_of: dict[str, str] = {}  # active Encounter id -> the room it occupies
        self._first_counter = 999_999
        self._listed_cache: tuple[str, dict[str, None]] | None = None  # (List version, refs in List order)
        self._seeding: list[Resource] | None = None  # List entries collected while seeding, written once
        self.next_arrival = 0.0
        with self.lock:
            store.add_listener(self._track)
            self._build_site()
            self._seed_population(config.initial_patients)
            self.next_arrival = self._draw_interarrival()

    # ================================================================================================
    # public API (thread-safe)
    # ================================================================================================

    def admit(self, name: str | None = None, fnr: str | None = None, complaint: str | None = None) -> str:
        """Register a new arrival (status arrived) and add it to the List. Returns ``Encounter/<id>``."""
        with self.lock:
            return self._admit(name=name, fnr=fnr, complaint=complaint)

    def admit_sorting_first(self) -> str:
        """Admit a patient whose Encounter id sorts before every other (for the shift_page fault)."""
        with self.lock:
            rid = f"0-{self._first_counter:06d}"
            self._first_counter -= 1
            return self._admit(rid=rid)

    def triage(self, enc_ref: str, colour: str) -> None:
        if colour not in codes.TRIAGE_COLOURS:
            raise ValueError(f"unknown triage colour {colour!r}")
        with self.lock:
            enc = self._enc(enc_ref)
            self._apply_triage(enc, colour)
            if enc["status"] in ("arrived", "planned"):
                self._set_status(enc, "triaged")
            self._save(enc)

    def start_treatment(self, enc_ref: str, doctor_ref: str | None = None, room_ref: str | None = None) -> None:
        with self.lock:
            enc = self._enc(enc_ref)
            self._apply_treatment(enc, doctor_ref, room_ref)
            self._save(enc)

    def on_leave(self, enc_ref: str) -> None:
        with self.lock:
            enc = self._enc(enc_ref)
            self._set_status(enc, "onleave")
            self._been_on_leave.add(enc["id"])
            self._save(enc)

    def back(self, enc_ref: str) -> None:
        with self.lock:
            enc = self._enc(enc_ref)
            self._set_status(enc, "in-progress")
            self._save(enc)

    def discharge(self, enc_ref: str, disposition: str = "home") -> None:
        """Finish with a departure code from ``codes.DEPARTURE_CODES``; removes the List entry."""
        if disposition not in codes.DEPARTURE_CODES:
            raise ValueError(f"unknown disposition {disposition!r}")
        with self.lock:
            enc = self._enc(enc_ref)
            self._finish(enc, "finished", disposition)

    def cancel(self, enc_ref: str) -> None:
        with self.lock:
            self._finish(self._enc(enc_ref), "cancelled", None)

    def entered_in_error(self, enc_ref: str) -> None:
        with self.lock:
            self._finish(self._enc(enc_ref), "entered-in-error", None)

    def drop_from_list(self, enc_ref: str) -> None:
        """THE real failure: remove the List entry and leave the Encounter active and untouched.

        The clinic's own automation stops moving it too (staff work from the list).
        Raises KeyError if the encounter is not in the List."""
        ref = _enc_ref(enc_ref)
        with self.lock:
            if ref not in self._listed():
                raise KeyError(f"{ref} is not in the List")
            self._list_remove(ref)
            self._unplan(ref.split("/", 1)[1])
            log.info("fault: dropped %s from the List", ref)

    def add_to_list(self, enc_ref: str) -> None:
        with self.lock:
            enc = self._enc(enc_ref)
            self._list_add(f"Encounter/{enc['id']}")
            self._plan(enc)

    def advance(self, minutes: float) -> None:
        """Run the clinic forward ``minutes`` simulated minutes, processing every due event in order."""
        if minutes < 0 or math.isnan(minutes):
            raise ValueError("minutes must be >= 0")
        with self.lock:
            target = self.sim_now + minutes
            while True:
                self._drop_stale_heads()
                t_enc = self._heap[0][0] if self._heap else math.inf
                t = min(self.next_arrival, t_enc)
                if t > target:
                    break
                self.sim_now = max(self.sim_now, t)
                if self.next_arrival <= t_enc:
                    self._admit()
                    self.next_arrival = self.sim_now + self._draw_interarrival()
                else:
                    _, _, enc_id = heapq.heappop(self._heap)
                    plan = self._plans.pop(enc_id, None)
                    if plan is not None:
                        self._run_event(enc_id, plan[1])
            self.sim_now = target

    def pump_list(self, now: float | None = None) -> int:
        """Add the lagging List entries that are due (``list_lag_seconds``); the number added."""
        with self.lock:
            now = time.monotonic() if now is None else now
            due = [x for x in self._late_list if x[0] <= now]
            if not due:
                return 0
            self._late_list = [x for x in self._late_list if x[0] > now]
            for _, ref, date in due:
                res = self.store.get_ref(ref)
                if res is not None and res.get("status") in ACTIVE_STATUSES:
                    self._list_add(ref, date)
                    self._plan(copy.deepcopy(res))
            return len(due)

    def active_encounters(self) -> list[str]:
        """Refs of non-terminal Encounters at the clinic, sorted."""
        with self.lock:
            return sorted(f"Encounter/{i}" for i in self._active)

    def list_items(self) -> list[str]:
        """Encounter refs in the queue List, in List order."""
        with self.lock:
            return self._list_refs()

    def read(self, ref: str) -> dict[str, Any] | None:
        """A deep copy of the current resource, or None."""
        return self.store.read_copy(norm_ref(ref))

    def ground_truth(self, start: dt.datetime | None = None, end: dt.datetime | None = None) -> dict[str, Outcome]:
        """What became of every Encounter this clinic holds that started in ``[start, end)`` (all when None).

        Computed from the simulator's own resources only, as a test oracle for a client's census:
        ``departed`` with the reason (the departure code of a finished Encounter, "unspecified" without one,
        or the terminal status itself), ``present`` (active and in the queue List) or ``dropped`` (active
        at the clinic but missing from the List)."""
        with self.lock:
            listed = set(self._listed())
            out: dict[str, Outcome] = {}
            for res in self.store.live("Encounter"):
                if not self._at_clinic(res):
                    continue
                began = dt.datetime.fromisoformat(res["period"]["start"].replace("Z", "+00:00"))
                if (start is not None and began < start) or (end is not None and began >= end):
                    continue
                ref, status = f"Encounter/{res['id']}", res.get("status")
                if status in TERMINAL_STATUSES:
                    reason = status
                    if status == "finished":
                        coding = (res.get("hospitalization") or {}).get("dischargeDisposition", {}).get("coding", [])
                        found = [c["code"] for c in coding if c.get("system") == codes.DEPARTURE_SYSTEM]
                        reason = found[0] if found else "unspecified"
                    out[ref] = Outcome(began, "departed", reason)
                else:
                    out[ref] = Outcome(began, "present" if ref in listed else "dropped", None)
            return out

    def staff(self) -> list[Staff]:
        return [*self.nurses, *self.doctors]

    # ================================================================================================
    # hooks from the REST layer (caller holds the lock)
    # ================================================================================================

    def after_client_write(self, version: Version, prev: Resource | None, created: bool) -> None:
        """Keep the List in step with client writes to Encounters."""
        res = version.resource
        if version.type != "Encounter" or res is None or not self._at_clinic(res):
            return
        ref = version.ref
        status = res.get("status")
        if status in TERMINAL_STATUSES:
            self._unplan(version.id)
            if ref in self._listed():
                self._list_remove(ref)
        elif created:
            if ref not in self._listed():
                self._list_add(ref)
            self._plan(res)
        elif prev is None or prev.get("status") != status:
            self._plan(res)

    def is_active_at_clinic(self, res: Resource) -> bool:
        return self._at_clinic(res) and res.get("status") in ACTIVE_STATUSES

    # ================================================================================================
    # internals
    # ================================================================================================

    def _track(self, version: Version, prev: Resource | None) -> None:
        if version.type != "Encounter":
            return
        res = version.resource
        if res is not None and self.is_active_at_clinic(res):
            self._active.add(version.id)
            room = self._current_room(res)
            if room is not None:
                self._room_of[version.id] = room
            else:
                self._room_of.pop(version.id, None)
        else:
            self._active.discard(version.id)
            self._room_of.pop(version.id, None)

    def _at_clinic(self, res: Resource) -> bool:
        for loc in res.get("location") or []:
            ref = (loc.get("location") or {}).get("reference") if isinstance(loc, dict) else None
            if isinstance(ref, str) and norm_ref(ref) == self.clinic_ref:
                return True
        return False

    def _enc(self, ref: str) -> Resource:
        ref = _enc_ref(ref)
        if not ref.startswith("Encounter/"):
            raise KeyError(f"not an Encounter reference: {ref}")
        res = self.store.read_copy(ref)
        if res is None:
            raise KeyError(f"{ref} not found")
        return res

    def _save(self, enc: Resource) -> None:
        self.store.update(enc)
        self._plan(enc)

    def _now(self) -> str:
        return instant(utcnow())

    # -- site ----------------------------------------------------------------------------------------

    def _build_site(self) -> None:
        self.store.update(
            {
                "resourceType": "Location",
                "id": self.clinic_id,
                "status": "active",
                "name": self.clinic_name,
                "mode": "instance",
                "type": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                "code": "ER",
                                "display": "Emergency room",
                            }
                        ]
                    }
                ],
                "physicalType": {
                    "coding": [{"system": codes.LOCATION_PHYSICAL_TYPE, "code": "bu", "display": "Building"}]
                },
            }
        )
        for n in range(1, self.config.rooms + 1):
            rid, name = f"{self.clinic_id}-rom-{n}", f"Rom {n}"
            self.store.update(
                {
                    "resourceType": "Location",
                    "id": rid,
                    "status": "active",
                    "name": name,
                    "mode": "instance",
                    "physicalType": PHYSICAL_TYPE_ROOM,
                    "partOf": {"reference": self.clinic_ref, "display": self.clinic_name},
                }
            )
            self.rooms.append((f"Location/{rid}", name))
        for doctor, count in ((False, 5), (True, 4)):
            for _ in range(count):
                pname = make_name(self.rng, self.rng.random() < 0.5)
                v = self.store.create(
                    {
                        "resourceType": "Practitioner",
                        "identifier": [{"system": codes.HPR_SYSTEM, "value": make_hpr(self.rng)}],
                        "active": True,
                        "name": [{"use": "official", "family": pname.family, "given": [pname.given]}],
                        "qualification": [{"code": {"text": "Lege" if doctor else "Sykepleier"}}],
                    }
                )
                (self.doctors if doctor else self.nurses).append(Staff(v.ref, pname.text, doctor))
        self.store.update(
            {
                "resourceType": "List",
                "id": self.list_ref.split("/", 1)[1],
                "status": "current",
                "mode": "working",
                "title": f"Pasientliste {self.clinic_name}",
                "code": {"coding": [{"system": codes.LIST_CODE_SYSTEM, "code": codes.LIST_CODE_QUEUE}]},
                "subject": {"reference": self.clinic_ref, "display": self.clinic_name},
                "date": self._now(),
                "entry": [],
            }
        )

    # -- list ----------------------------------------------------------------------------------------

    def _listed(self) -> dict[str, None]:
        """The Encounter refs in the queue List, in List order (a dict for O(1) membership).

        Cached per List version, so a List changed by anyone else (a client's PUT) is read again; the
        clinic's own changes keep the cache up to date without a rescan."""
        v = self.store.current("List", self.list_ref.split("/", 1)[1])
        if v is None or v.resource is None:
            return {}
        cached = self._listed_cache
        if cached is None or cached[0] != v.vid:
            refs: dict[str, None] = {}
            for e in v.resource.get("entry") or []:
                ref = (e.get("item") or {}).get("reference") if isinstance(e, dict) else None
                if isinstance(ref, str):
                    refs[norm_ref(ref)] = None
            cached = self._listed_cache = (v.vid, refs)
        return cached[1]

    def _list_refs(self) -> list[str]:
        return list(self._listed())

    def _write_list(self, entries: list[Resource], listed: dict[str, None]) -> None:
        """Store a new List version with ``entries`` (entry dicts shared with the previous version, never
        mutated: the store copies only the top level), and keep the membership cache in step."""
        cur = self.store.get_ref(self.list_ref)
        if cur is None:
            raise RuntimeError("the clinic List is missing")
        lst = dict(cur)
        lst["entry"] = entries
        lst["date"] = self._now()
        v, _ = self.store.update(lst, shared=True)
        self._listed_cache = (v.vid, listed)

    def _list_add(self, ref: str, date: str | None = None) -> None:
        if self._seeding is not None:
            self._seeding.append({"item": {"reference": ref}, "date": date or self._now()})
            return
        listed = self._listed()
        if ref in listed:
            return
        entries = list((self.store.get_ref(self.list_ref) or {}).get("entry") or [])
        entries.append({"item": {"reference": ref}, "date": date or self._now()})
        self._write_list(entries, {**listed, ref: None})

    def _list_remove(self, ref: str) -> None:
        listed = self._listed()
        if ref not in listed:
            return
        entries = (self.store.get_ref(self.list_ref) or {}).get("entry") or []
        kept = [e for e in entries if norm_ref((e.get("item") or {}).get("reference", "")) != ref]
        self._write_list(kept, {r: None for r in listed if r != ref})

    # -- building encounters -------------------------------------------------------------------------

    def _draw_interarrival(self) -> float:
        load = len(self._active) / TARGET_ACTIVE
        factor = min(2.0, max(0.5, load**2))
        return self.rng.gammavariate(ARRIVAL_SHAPE, MEAN_INTERARRIVAL * factor / ARRIVAL_SHAPE)

    def _draw_complaint(self) -> tuple[str, str, str]:
        code, text, weights = self.rng.choice(COMPLAINTS)
        colour = self.rng.choices(codes.TRIAGE_COLOURS, weights=weights)[0]
        return code, text, colour

    def _new_patient(self, person: Person) -> str:
        system = codes.DNR_SYSTEM if person.d_number else codes.FNR_SYSTEM
        v = self.store.create(
            {
                "resourceType": "Patient",
                "identifier": [{"use": "official", "system": system, "value": person.nin}],
                "active": True,
                "name": [
                    {
                        "use": "official",
                        "text": person.name.text,
                        "family": person.name.family,
                        "given": [person.name.given],
                    }
                ],
                "gender": "male" if person.male else "female",
                "birthDate": person.birth_date.isoformat(),
                "generalPractitioner": gp_for(person.nin),  # the journal's default recipient
            },
            shared=True,  # built here and handed over
        )
        return v.ref

    def _encounter_skeleton(
        self, patient_ref: str, patient_name: str, complaint_code: str | None, complaint_text: str, start: str
    ) -> Resource:
        reason: Resource = {"text": complaint_text}
        if complaint_code is not None:
            reason["coding"] = [{"system": codes.COMPLAINT_SYSTEM, "code": complaint_code}]
        return {
            "resourceType": "Encounter",
            "status": "arrived",
            "statusHistory": [],
            "class": {"system": codes.V3_ACT_CODE, "code": codes.ENCOUNTER_CLASS_EMERGENCY, "display": "emergency"},
            "subject": {"reference": patient_ref, "display": patient_name},
            "participant": [],
            "period": {"start": start},
            "reasonCode": [reason],
            "location": [{"location": {"reference": self.clinic_ref, "display": self.clinic_name}, "status": "active"}],
        }

    def _admit(
        self,
        name: str | None = None,
        fnr: str | None = None,
        complaint: str | None = None,
        rid: str | None = None,
    ) -> str:
        if fnr is not None:
            person = person_from_nin(self.rng, fnr, name)
        else:
            person = make_person(self.rng, utcnow().date())
            if name is not None:
                person = person_from_nin(self.rng, person.nin, name)
        code: str | None
        code, text, colour = self._draw_complaint()
        if complaint is not None:
            known = {t.casefold(): c for c, t, _ in COMPLAINTS}
            code, text = known.get(complaint.casefold()), complaint
        patient_ref = self._new_patient(person)
        now = self._now()
        enc = self._encounter_skeleton(patient_ref, person.name.text, code, text, now)
        enc["statusHistory"] = [{"status": "arrived", "period": {"start": now}}]
        enc_id = rid if rid is not None else self.store.new_id()
        self._pending_colour[enc_id] = colour
        enc["id"] = enc_id
        v = self.store.update(enc)[0]
        lag = float(getattr(self.faults, "list_lag_seconds", 0.0) or 0.0)
        if lag > 0:  # the registration's List entry comes later (a platform with latency between the two)
            self._late_list.append((time.monotonic() + lag, v.ref, now))
            return v.ref
        self._list_add(v.ref, now)
        self._plan(enc)
        log.debug("admitted %s", v.ref)
        return v.ref

    def _set_status(self, enc: Resource, status: str, when: str | None = None) -> None:
        if enc.get("status") == status:
            return
        when = when or self._now()
        history = enc.setdefault("statusHistory", [])
        if history and "end" not in history[-1].get("period", {}):
            history[-1].setdefault("period", {})["end"] = when
        history.append({"status": status, "period": {"start": when}})
        enc["status"] = status

    def _set_participant(self, enc: Resource, type_code: str, staff_ref: str, display: str | None) -> None:
        parts = [
            p
            for p in enc.get("participant", [])
            if not any(
                c.get("code") == type_code and c.get("system") == codes.V3_PARTICIPATION_TYPE
                for t in p.get("type", [])
                for c in t.get("coding", [])
            )
        ]
        individual: Resource = {"reference": staff_ref}
        if display:
            individual["display"] = display
        parts.append(
            {
                "type": [{"coding": [{"system": codes.V3_PARTICIPATION_TYPE, "code": type_code}]}],
                "individual": individual,
            }
        )
        enc["participant"] = parts

    def _has_participant(self, enc: Resource, type_code: str) -> bool:
        return any(
            c.get("code") == type_code
            for p in enc.get("participant", [])
            for t in p.get("type", [])
            for c in t.get("coding", [])
        )

    def _staff_name(self, ref: str) -> str | None:
        for s in self.staff():
            if s.ref == ref:
                return s.name
        return None

    def _apply_triage(self, enc: Resource, colour: str) -> None:
        act = codes.TRIAGE_TO_ACT_PRIORITY[colour]
        enc["priority"] = {
            "coding": [
                {"system": codes.TRIAGE_MTS_SYSTEM, "code": colour, "display": COLOUR_DISPLAY[colour]},
                {"system": codes.V3_ACT_PRIORITY, "code": act, "display": ACT_PRIORITY_DISPLAY[act]},
            ],
            "text": COLOUR_DISPLAY[colour],
        }
        if not self._has_participant(enc, codes.PARTICIPANT_NURSE):
            nurse = self.rng.choice(self.nurses)
            self._set_participant(enc, codes.PARTICIPANT_NURSE, nurse.ref, nurse.name)
        self._pending_colour.pop(enc["id"], None)

    def _occupied_rooms(self) -> set[str]:
        return set(self._room_of.values())

    def _current_room(self, enc: Resource) -> str | None:
        rooms = {r for r, _ in self.rooms}
        for loc in enc.get("location", []):
            ref = norm_ref((loc.get("location") or {}).get("reference", ""))
            if ref in rooms and loc.get("status") == "active":
                return ref
        return None

    def _apply_treatment(self, enc: Resource, doctor_ref: str | None, room_ref: str | None) -> None:
        doctor_name: str | None
        if doctor_ref is None:
            doctor = self.rng.choice(self.doctors)
            doctor_ref, doctor_name = doctor.ref, doctor.name
        else:
            doctor_ref = norm_ref(doctor_ref)
            doctor_name = self._staff_name(doctor_ref)
        self._set_participant(enc, codes.PARTICIPANT_DOCTOR, doctor_ref, doctor_name)
        if room_ref is None:
            if self._current_room(enc) is None:
                busy = self._occupied_rooms()
                free = [r for r, _ in self.rooms if r not in busy]
                room_ref = free[0] if free else None
        else:
            room_ref = norm_ref(room_ref)
        if room_ref is not None:
            self._set_room(enc, room_ref)
        self._set_status(enc, "in-progress")

    def _set_room(self, enc: Resource, room_ref: str) -> None:
        names = dict(self.rooms)
        locs = [loc for loc in enc.get("location", []) if norm_ref(loc["location"]["reference"]) not in names]
        entry: Resource = {"location": {"reference": room_ref}, "status": "active", "physicalType": PHYSICAL_TYPE_ROOM}
        if room_ref in names:
            entry["location"]["display"] = names[room_ref]
        locs.append(entry)
        enc["location"] = locs

    def _finish(self, enc: Resource, status: str, disposition: str | None) -> None:
        now = self._now()
        self._set_status(enc, status, now)
        if enc["statusHistory"]:
            enc["statusHistory"][-1]["period"]["end"] = now
        enc.setdefault("period", {})["end"] = now
        for loc in enc.get("location", []):
            loc["status"] = "completed"
        if disposition is not None:
            enc["hospitalization"] = {
                "dischargeDisposition": {
                    "coding": [
                        {
                            "system": codes.DEPARTURE_SYSTEM,
                            "code": disposition,
                            "display": DEPARTURE_DISPLAY[disposition],
                        },
                        {"system": codes.HL7_DISCHARGE_DISPOSITION, "code": codes.DEPARTURE_TO_HL7[disposition]},
                    ],
                    "text": DEPARTURE_DISPLAY[disposition],
                }
            }
        self.store.update(enc)
        self._unplan(enc["id"])
        self._been_on_leave.discard(enc["id"])
        self._list_remove(f"Encounter/{enc['id']}")

    # -- scheduling ----------------------------------------------------------------------------------

    def _unplan(self, enc_id: str) -> None:
        self._plans.pop(enc_id, None)

    def _schedule(self, enc_id: str, delay: float, action: str) -> None:
        self._token += 1
        t = self.sim_now + max(0.05, delay)
        self._plans[enc_id] = (t, action, self._token)
        heapq.heappush(self._heap, (t, self._token, enc_id))

    def _drop_stale_heads(self) -> None:
        while self._heap:
            _, token, enc_id = self._heap[0]
            plan = self._plans.get(enc_id)
            if plan is not None and plan[2] == token:
                return
            heapq.heappop(self._heap)

    def _colour_of(self, enc: Resource) -> str:
        for c in (enc.get("priority") or {}).get("coding", []):
            if c.get("system") == codes.TRIAGE_MTS_SYSTEM and c.get("code") in MEAN_WAIT:
                return str(c["code"])
        return "green"

    def _plan(self, enc: Resource) -> None:
        """(Re)schedule the next automatic step for an encounter from its current status."""
        enc_id = enc["id"]
        status = enc.get("status")
        ref = f"Encounter/{enc_id}"
        if status not in ACTIVE_STATUSES or not self._at_clinic(enc) or ref not in self._listed():
            self._unplan(enc_id)
            return
        current = self._plans.get(enc_id)
        if current is not None and current[1] == f"from:{status}":
            return
        rng = self.rng
        if status in ("arrived", "planned"):
            self._schedule(enc_id, min(20.0, 1.0 + rng.expovariate(1 / 4.0)), "from:arrived")
        elif status == "triaged":
            self._schedule(enc_id, 0.5 + rng.expovariate(1 / MEAN_WAIT[self._colour_of(enc)]), "from:triaged")
        elif status == "in-progress":
            self._schedule(enc_id, rng.uniform(10, 75), "from:in-progress")
        elif status == "onleave":
            self._schedule(enc_id, rng.uniform(10, 40), "from:onleave")
        else:
            self._unplan(enc_id)

    def _run_event(self, enc_id: str, action: str) -> None:
        res = self.store.get("Encounter", enc_id)
        if res is None or action != f"from:{res.get('status')}":
            if res is not None:
                self._plan(copy.deepcopy(res))
            return
        enc = copy.deepcopy(res)
        rng = self.rng
        status = enc["status"]
        if status in ("arrived", "planned"):
            colour = self._pending_colour.pop(enc_id, None) or self._draw_complaint()[2]
            self._apply_triage(enc, colour)
            self._set_status(enc, "triaged")
            self._save(enc)
        elif status == "triaged":
            if rng.random() < LWBS_RATE[self._colour_of(enc)]:
                self._finish(enc, "finished", "lwbs")
            else:
                self._apply_treatment(enc, None, None)
                self._save(enc)
        elif status == "in-progress":
            if enc_id not in self._been_on_leave and rng.random() < 0.2:
                self._been_on_leave.add(enc_id)
                self._set_status(enc, "onleave")
                self._save(enc)
            else:
                disposition = rng.choices([d for d, _ in DISPOSITIONS], weights=[w for _, w in DISPOSITIONS])[0]
                self._finish(enc, "finished", disposition)
        elif status == "onleave":
            self._set_status(enc, "in-progress")
            self._save(enc)

    # -- initial population --------------------------------------------------------------------------

    def _seed_population(self, n: int) -> None:
        """``n`` active encounters that arrived over the past ~4 hours, in varied states."""
        now = utcnow()
        rng = self.rng
        states = rng.choices(("arrived", "triaged", "in-progress", "onleave"), weights=(12, 42, 36, 10), k=n)
        seeds = []
        for state in states:
            code, text, colour = self._draw_complaint()
            t_triage = min(20.0, 1.0 + rng.expovariate(1 / 4.0))
            if state == "arrived":
                elapsed = rng.uniform(0.5, 25.0)  # some untriaged past 15 minutes
            elif state == "triaged":
                longest = {"red": 5, "orange": 25, "yellow": 130, "green": 240, "blue": 240}[colour]
                elapsed = t_triage + rng.uniform(1.0, longest)  # some waiting past their target
            else:
                elapsed = rng.uniform(t_triage + 15.0, 240.0)
            seeds.append((elapsed, state, code, text, colour, t_triage))
        self._seeding = []
        try:
            for elapsed, state, code, text, colour, t_triage in sorted(seeds, reverse=True):
                self._seed_one(now, elapsed, state, code, text, colour, min(t_triage, elapsed))
            entries, self._seeding = self._seeding, None
        finally:
            self._seeding = None
        if entries:  # one List version with the whole seeded queue, not one per patient
            self._write_list(entries, {e["item"]["reference"]: None for e in entries})

    def _seed_one(
        self,
        now: dt.datetime,
        elapsed: float,
        state: str,
        code: str,
        text: str,
        colour: str,
        t_triage: float,
    ) -> None:
        rng = self.rng
        person = make_person(rng, now.date())
        patient_ref = self._new_patient(person)

        def at(minutes_after_arrival: float) -> str:
            return instant(now - dt.timedelta(minutes=elapsed - minutes_after_arrival))

        enc = self._encounter_skeleton(patient_ref, person.name.text, code, text, at(0))
        enc_id = self.store.new_id()
        enc["id"] = enc_id
        enc["statusHistory"] = [{"status": "arrived", "period": {"start": at(0)}}]
        if state == "arrived":
            self._pending_colour[enc_id] = colour
            remaining = max(0.5, min(20.0, 1.0 + rng.expovariate(1 / 4.0)) - elapsed)
        else:
            self._apply_triage(enc, colour)
            self._set_status(enc, "triaged", at(t_triage))
            remaining = 0.5 + rng.expovariate(1 / MEAN_WAIT[colour])
        if state in ("in-progress", "onleave"):
            t_doctor = rng.uniform(t_triage + 1.0, elapsed - 5.0)
            self._apply_treatment(enc, None, None)
            enc["statusHistory"][-2]["period"]["end"] = at(t_doctor)
            enc["statusHistory"][-1]["period"]["start"] = at(t_doctor)
            remaining = rng.uniform(5, 60)
            if state == "onleave":
                self._set_status(enc, "onleave", at(rng.uniform(t_doctor + 2.0, elapsed)))
                self._been_on_leave.add(enc_id)
                remaining = rng.uniform(5, 30)
        v = self.store.update(enc, shared=True)[0]  # built here and handed over (never touched again)
        self._list_add(v.ref, at(0))
        self._schedule(enc_id, remaining, f"from:{enc['status']}")
