"""Light checks for an idle cycle (issue 10): what costs a few hundred bytes whatever the clinic's size.

- ``read_list_if_changed``: the queue List read with ``If-None-Match`` on the version held; 304 means
  unchanged (nothing downloaded).
- ``count_active``: ``Encounter?location=<clinic>&status=<active>&_summary=count``: how many active
  encounters the platform holds at the clinic, to compare with the picture held.

Each answers a definite value or raises; a caller that cannot get a definite answer infers nothing and
falls back to a full snapshot.
"""

from __future__ import annotations

from typing import Any

from legevakt.sync.errors import MalformedResponse
from legevakt.sync.fhir import FhirClient

Resource = dict[str, Any]


def read_list_if_changed(client: FhirClient, ref: str, version: str | None) -> Resource | None:
    """The List at ``ref``, or None when the server says (304) it is still version ``version``."""
    headers = {"If-None-Match": f'W/"{version}"'} if version else {}
    resp = client.request("GET", client.url(ref), headers=headers)
    if resp.status_code == 304 and version:
        return None
    body = client.json(resp, expect="List")
    if body.get("id") != ref.partition("/")[2]:
        raise MalformedResponse("the List read answered another resource")
    return body


def count_active(client: FhirClient, clinic_ref: str, statuses: str) -> int | None:
    """The number of active Encounters at the clinic, by ``_summary=count`` (a Bundle with ``total``);
    None when the server gives no total (it cannot say: the caller fetches a full snapshot)."""
    body = client.get("Encounter", {"location": clinic_ref, "status": statuses, "_summary": "count"},
                      expect="Bundle")
    total = body.get("total")
    if total is None:
        return None
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise MalformedResponse("the count answer has a total that is not a count")
    return total
