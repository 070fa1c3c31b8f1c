"""A guard against a reference-count bug in the Qt binding on CPython 3.11.

The PySide6/shiboken6 6.12 wheels are built for the stable ABI against CPython >= 3.12 headers, where
``None``, ``True`` and ``False`` are immortal (PEP 683) and ``Py_RETURN_NONE`` no longer increments
anything. Loaded by CPython 3.11, every binding call that returns ``None`` (every void method:
``setText``, ``update``, ``fillRect`` ...), every invalid QVariant handed back as ``None`` and every
``Signal.emit()`` returning ``True`` takes one reference it never gave. None starts with a few thousand
references, painting a table costs thousands per frame, so within minutes the interpreter aborts with
"Fatal Python error: none_dealloc" (or bool_dealloc).

``guard_singletons()`` measures the loss on a harmless call and, only if there is one on an interpreter
without immortal objects, gives each of the three singletons a reserve of 2**40 references: what CPython
3.12 does by design. They are never deallocated in a working process anyway, so the reserve changes
nothing but the crash (at a million lost references a second it lasts 12 days; the clinic's shifts end
sooner). The proper fix is a matching binding or CPython >= 3.12; this keeps 3.11 usable meanwhile.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("legevakt.ui")

RESERVE = 1 << 40
_PROBE_CALLS = 64
_state = {"guarded": False}


class _Probe(QObject):
    ping = Signal()


def _losses() -> tuple[int, int]:
    """References to None lost per void call, and to True per emit (given back after measuring)."""
    probe = _Probe()
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("legevakt-probe")
    none_lost = before - sys.getrefcount(None)
    before = sys.getrefcount(True)
    for _ in range(_PROBE_CALLS):
        probe.ping.emit()
    true_lost = before - sys.getrefcount(True)
    for obj, lost in ((None, none_lost), (True, true_lost)):
        for _ in range(max(0, lost)):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    return none_lost // _PROBE_CALLS, true_lost // _PROBE_CALLS


def binding_loses_references() -> bool:
    none_loss, true_loss = _losses()
    return none_loss > 0 or true_loss > 0


def guard_singletons() -> bool:
    """Give None/True/False a reference reserve if the binding loses references to them. Idempotent.

    Returns whether the guard is in place (False where it is not needed).
    """
    if _state["guarded"]:
        return True
    if sys.version_info >= (3, 12) or hasattr(sys, "getobjects"):  # immortal already / trace-refs build
        return False
    if not binding_loses_references():
        return False
    for obj in (None, True, False):
        before = sys.getrefcount(obj)
        refcnt = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt: the first field of PyObject
        refcnt.value += RESERVE
        if sys.getrefcount(obj) != before + RESERVE:  # not the layout we expected: undo, say so
            refcnt.value -= RESERVE
            log.error("cannot guard %r against the Qt binding's reference loss", obj)
            return False
    _state["guarded"] = True
    log.warning("the Qt binding loses references to None/True/False on Python %d.%d; guarded "
                "(use Python >= 3.12 or a binding built for this Python)", *sys.version_info[:2])
    return True
