"""Triage scales: levels with colour, names in bokmål and English, and the target time to a doctor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from legevakt.codes import TRIAGE_MTS_SYSTEM, TRIAGE_RETTS_SYSTEM


@dataclass(frozen=True, slots=True)
class TriageLevel:
    code: str  # the code in the scale's code system, e.g. "red"
    colour: str  # a display colour name (red, orange, yellow, green, blue) or "#rrggbb"
    name_nb: str
    name_en: str
    target_minutes: int  # to be seen by a doctor
    rank: int  # 0 = most urgent

    def name(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name_nb


@dataclass(frozen=True, slots=True)
class TriageScale:
    key: str  # "mts", "retts", or a local key
    system: str  # FHIR code system URI carried in Encounter.priority.coding
    title_nb: str
    title_en: str
    levels: tuple[TriageLevel, ...]

    def __post_init__(self) -> None:
        codes = [lvl.code for lvl in self.levels]
        if len(set(codes)) != len(codes):
            raise ValueError(f"triage scale {self.key}: duplicate level codes")
        if not self.levels:
            raise ValueError(f"triage scale {self.key}: no levels")
        for lvl in self.levels:
            if lvl.target_minutes < 0:
                raise ValueError(f"triage scale {self.key}: negative target for {lvl.code}")

    def level(self, code: str | None) -> TriageLevel | None:
        if code is None:
            return None
        for lvl in self.levels:
            if lvl.code == code:
                return lvl
        return None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lvl.code for lvl in self.levels)


MTS = TriageScale(
    key="mts",
    system=TRIAGE_MTS_SYSTEM,
    title_nb="Manchester Triage System",
    title_en="Manchester Triage System",
    levels=(
        TriageLevel("red", "red", "Rød – umiddelbart", "Red – immediate", 0, 0),
        TriageLevel("orange", "orange", "Oransje – svært haster", "Orange – very urgent", 10, 1),
        TriageLevel("yellow", "yellow", "Gul – haster", "Yellow – urgent", 60, 2),
        TriageLevel("green", "green", "Grønn – standard", "Green – standard", 120, 3),
        TriageLevel("blue", "blue", "Blå – ikke hastende", "Blue – non-urgent", 240, 4),
    ),
)

RETTS = TriageScale(
    key="retts",
    system=TRIAGE_RETTS_SYSTEM,
    title_nb="RETTS",
    title_en="RETTS",
    levels=(
        TriageLevel("red", "red", "Rød – livstruende", "Red – life-threatening", 0, 0),
        TriageLevel("orange", "orange", "Oransje – potensielt livstruende",
                    "Orange – potentially life-threatening", 20, 1),
        TriageLevel("yellow", "yellow", "Gul – haster", "Yellow – urgent", 60, 2),
        TriageLevel("green", "green", "Grønn – kan vente", "Green – can wait", 120, 3),
        TriageLevel("blue", "blue", "Blå – ikke hastende", "Blue – non-urgent", 240, 4),
    ),
)

BUILT_IN: Mapping[str, TriageScale] = {"mts": MTS, "retts": RETTS}


def local_scale(key: str, system: str, title_nb: str, title_en: str,
                levels: Iterable[Mapping[str, object]]) -> TriageScale:
    """Build a local scale from configuration rows (code, colour, name_nb, name_en, target_minutes)."""
    built: list[TriageLevel] = []
    for rank, row in enumerate(levels):
        try:
            target = row["target_minutes"]
            if not isinstance(target, int) or isinstance(target, bool):
                raise ValueError("target_minutes must be a whole number of minutes")
            built.append(TriageLevel(
                code=str(row["code"]), colour=str(row.get("colour", row["code"])),
                name_nb=str(row["name_nb"]), name_en=str(row.get("name_en", row["name_nb"])),
                target_minutes=target, rank=rank,
            ))
        except KeyError as exc:
            raise ValueError(f"triage scale {key}: level {rank + 1} lacks {exc.args[0]}") from exc
    return TriageScale(key=key, system=system, title_nb=title_nb, title_en=title_en, levels=tuple(built))
