"""Legevakt: a worklist for Norwegian emergency clinics on a FHIR R4 platform."""

__version__ = "0.1.0"
