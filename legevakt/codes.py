"""Code systems and identifier namespaces shared by the client and the simulator.

This module is the *only* thing the simulator (``legevakt.sim``) and the client packages share, so
that each side checks the other: the simulator builds FHIR from these constants on its own, and the
client's mapping (``legevakt.sync.mapping``) reads it on its own. Nothing here may import anything.
"""

from __future__ import annotations

from typing import Final

# Norwegian person identifiers (Volven / eHelse OIDs).
FNR_SYSTEM: Final = "urn:oid:2.16.578.1.12.4.1.4.1"  # fødselsnummer
DNR_SYSTEM: Final = "urn:oid:2.16.578.1.12.4.1.4.2"  # D-nummer
FHN_SYSTEM: Final = "urn:oid:2.16.578.1.12.4.1.4.3"  # felles hjelpenummer
HPR_SYSTEM: Final = "urn:oid:2.16.578.1.12.4.1.4.4"  # HPR-nummer (clinicians)

PERSON_ID_SYSTEMS: Final = (FNR_SYSTEM, DNR_SYSTEM, FHN_SYSTEM)

# Encounter.class
V3_ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ENCOUNTER_CLASS_EMERGENCY: Final = "EMER"

# Triage scales carried in Encounter.priority.coding, one code system per scale.
TRIAGE_MTS_SYSTEM: Final = "urn:legevakt:codesystem:triage:mts"
TRIAGE_RETTS_SYSTEM: Final = "urn:legevakt:codesystem:triage:retts"
TRIAGE_COLOURS: Final = ("red", "orange", "yellow", "green", "blue")

# The nearest v3 ActPriority code, written beside the scale's own coding for servers that only know it.
V3_ACT_PRIORITY: Final = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
TRIAGE_TO_ACT_PRIORITY: Final = {
    "red": "S",  # stat
    "orange": "EM",  # emergency
    "yellow": "UR",  # urgent
    "green": "R",  # routine
    "blue": "EL",  # elective
}

# Encounter.hospitalization.dischargeDisposition: our own code system, plus HL7's for interop.
DEPARTURE_SYSTEM: Final = "urn:legevakt:codesystem:departure"
DEPARTURE_CODES: Final = ("home", "admitted", "transferred", "lwbs", "deceased", "other")
HL7_DISCHARGE_DISPOSITION: Final = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
# Our departure code -> the nearest HL7 discharge-disposition code.
DEPARTURE_TO_HL7: Final = {
    "home": "home",
    "admitted": "other-hcf",
    "transferred": "other-hcf",
    "lwbs": "aadvice",
    "deceased": "exp",
    "other": "oth",
}

# Encounter.reasonCode: chief complaint. Free text is always carried; this system is optional.
COMPLAINT_SYSTEM: Final = "urn:legevakt:codesystem:complaint"

# List.code for the clinic's queue (a client finds the List by subject + status, the code only narrows).
LIST_CODE_SYSTEM: Final = "urn:legevakt:codesystem:list"
LIST_CODE_QUEUE: Final = "emergency-queue"

# Shared alerts (FHIR Task): Task.code.coding carries the alert kind in this system (issue 10).
ALERT_CODE_SYSTEM: Final = "urn:legevakt:codesystem:alert"
#: Task.note extension saying what a note records: ``acknowledged``, ``resolved`` or ``resolved-by-evidence``.
ALERT_NOTE_KIND_EXT: Final = "urn:legevakt:extension:alert-note-kind"

# Client-made identifiers on created resources (for If-None-Exist, so a replayed create never duplicates).
CLIENT_REQUEST_SYSTEM: Final = "urn:legevakt:client-request"

# Encounter.participant.type for the nurse and the doctor.
V3_PARTICIPATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
PARTICIPANT_NURSE: Final = "ATND"  # attender: the responsible nurse in this clinic's convention
PARTICIPANT_DOCTOR: Final = "PPRF"  # primary performer: the doctor

# Location.physicalType for treatment rooms.
LOCATION_PHYSICAL_TYPE: Final = "http://terminology.hl7.org/CodeSystem/location-physical-type"

# -- The journal (issue 8): notes, sending and application receipts ---------------------------------
LOINC_SYSTEM: Final = "http://loinc.org"
LOINC_ED_NOTE: Final = "34111-5"  # Emergency department Note (DocumentReference.type)
LOINC_ED_NOTE_DISPLAY: Final = "Emergency department Note"
NOTE_KIND_SYSTEM: Final = "urn:legevakt:codesystem:note-kind"  # our own kind code beside LOINC

# Communication.category: what a message is.
MESSAGE_KIND_SYSTEM: Final = "urn:legevakt:codesystem:message-kind"
MESSAGE_KIND_NOTE: Final = "note"
MESSAGE_KIND_APPREC: Final = "apprec"

# Kodeverk 8258: status of an application receipt (applikasjonskvittering, HIS 80415).
APPREC_STATUS_SYSTEM: Final = "urn:oid:2.16.578.1.12.4.1.1.8258"
APPREC_STATUS_TEXTS: Final = {
    "1": "OK",
    "2": "Avvist",
    "3": "OK, feil i delmelding",
}

# Kodeverk 8221: errors in an application receipt, with the code list's bokmål display names.
APPREC_ERROR_SYSTEM: Final = "urn:oid:2.16.578.1.12.4.1.1.8221"
APPREC_ERROR_TEXTS: Final = {
    "E10": "Ugyldig meldingsidentifikator",
    "E20": "Lege finnes ikke",
    "E21": "Mottaker finnes ikke",
    "E30": "Pasientens fødselsnummer mangler",
    "E31": "Pasientens fødselsnummer er feil",
    "E32": "Pasientens navn mangler",
    "E35": "Pasienten finnes ikke i mottakersystemet",
    "E36": "Pasientopplysninger er utilstrekkelige",
    "E53": "Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret",
    "E54": "Pasientens fødselsnummer er ikke registrert i mottakersystemet",
    "S01": "Feil på signatur",
    "S02": "Ugyldig sertifikat",
    "S03": "Tilbaketrukket sertifikat",
    "T01": "Ikke XML / ikke 'well formed' / uleselig",
    "T02": "XML validerer ikke",
    "T10": "Støtter ikke meldingsformatet",
    "T99": "Annen feil på format",
    "X99": "Annen feil",
}
