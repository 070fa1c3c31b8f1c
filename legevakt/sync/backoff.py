"""The one back-off formula of the platform link: capped exponential with full jitter (tenacity's).

Both the FHIR client's request retries (``sync/fhir.py``) and the push channel's reconnects
(``sync/push.py``) wait ``uniform(0, min(cap, base * 2 ** (attempt - 1)))`` seconds, computed by
``tenacity.wait_random_exponential`` so the formula lives in a well-kept library, not twice here.
The FHIR client's retries are a ``tenacity.Retrying`` (stop after N tries, this wait, at least
Retry-After); the push channel's reconnect loop never stops by design and waits on its stop event. Both
sleeps are injectable, so tests never sleep for real.
"""

from __future__ import annotations

from tenacity import RetryCallState, wait_random_exponential


def full_jitter(attempt: int, *, base: float, cap: float) -> float:
    """Seconds to wait before try ``attempt + 1`` after ``attempt`` (1-based) failed tries."""
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    return float(wait_random_exponential(multiplier=base, max=cap)(state))
