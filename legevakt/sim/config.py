"""Simulator configuration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SimConfig:
    seed: int = 1
    speed: float = 10.0  # clinic event rates run this many times faster than real time; 0 = frozen clock
    initial_patients: int = 18
    rooms: int = 8
    require_auth: bool = False
    client_id: str = "legevakt-demo"
    client_secret: str = "demo-secret"
    page_size_default: int = 20
    clinic_id: str = "lv-trondheim"
