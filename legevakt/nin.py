"""The mod-11 control digits of Norwegian person numbers (fødselsnummer and D-nummer).

A neutral bottom module like ``legevakt.codes``: it imports nothing, so both the client
(``legevakt.worklist.identifiers``) and the simulator (``legevakt.sim.identity``) use this one function,
and tests check it against ``python-stdnum``'s ``stdnum.no.fodselsnummer``.

We keep our own arithmetic rather than call stdnum at run time: the control-digit rule is ten lines, the
client must not gain a runtime dependency for it, and the birth-date rules around it differ (we accept the
synthetic +40/+80 month offsets of NHN and Tenor test numbers, which stdnum rejects). The 2032 rule
(Skatteetaten's new numbers whose first control digit is no longer fixed) is not implemented here, nor in
stdnum 2.2: numbers issued under it will be refused until both are updated.
"""

from __future__ import annotations

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _mod11(digits: list[int], weights: tuple[int, ...]) -> int | None:
    rest = 11 - sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    if rest == 11:
        return 0
    if rest == 10:
        return None
    return rest


def control_digits(first9: str) -> str | None:
    """The two control digits for the first nine digits, or None if no valid number has this start."""
    if len(first9) != 9 or not (first9.isascii() and first9.isdigit()):
        raise ValueError("need exactly nine ASCII digits")
    digits = [int(c) for c in first9]
    k1 = _mod11(digits, K1_WEIGHTS)
    if k1 is None:
        return None
    k2 = _mod11([*digits, k1], K2_WEIGHTS)
    if k2 is None:
        return None
    return f"{k1}{k2}"


def has_valid_control_digits(number: str) -> bool:
    """True if ``number`` is 11 ASCII digits whose last two are its mod-11 control digits (no date check)."""
    if len(number) != 11 or not (number.isascii() and number.isdigit()):
        return False
    return control_digits(number[:9]) == number[9:]
