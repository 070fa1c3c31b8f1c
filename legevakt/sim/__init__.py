"""A stand-in for the central platform: a FHIR R4 server on loopback with a synthetic clinic and faults.

Never imported by the client packages; it shares only ``legevakt.codes`` with them.
"""

from legevakt.sim.clinic import Clinic
from legevakt.sim.config import SimConfig
from legevakt.sim.faults import KNOB_NAMES, Faults
from legevakt.sim.identity import is_valid_nin
from legevakt.sim.server import SimServer

__all__ = ["KNOB_NAMES", "Clinic", "Faults", "SimConfig", "SimServer", "is_valid_nin"]
