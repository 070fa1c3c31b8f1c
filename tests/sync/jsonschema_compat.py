"""hypothesis-jsonschema 0.23.1 (the newest) drives ``hypothesis.internal.conjecture.utils.many`` through its old
``more()`` method; newer Hypothesis releases replaced that with a ``with many(...) as e: for _ in e:`` protocol.
Where ``more`` is missing, this gives it back as a thin adapter onto the new protocol (enter on the first call,
one step of the iteration per call, exit once the iteration says stop), so the library generates as designed.
Import it before ``hypothesis_jsonschema`` is used; it does nothing on a Hypothesis that still has ``more``."""

from __future__ import annotations

from typing import Any

from hypothesis.internal.conjecture import utils as _cu


def _more(self: Any) -> bool:
    if getattr(self, "_compat_steps", None) is None:
        self.__enter__()
        self._compat_steps = iter(self)
    try:
        next(self._compat_steps)
    except StopIteration:
        self.__exit__(None, None, None)
        return False
    return True


if not hasattr(_cu.many, "more"):
    _cu.many.more = _more  # type: ignore[attr-defined]
