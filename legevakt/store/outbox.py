"""The outbox's value types, where callers have always imported them from.

The rows live in ``legevakt.store.repositories.outbox`` (``OutboxRepository``).
"""

from legevakt.store.repositories.outbox import (
    PAYLOAD_VERSION,
    OutboxItem,
    OutboxState,
    ProvenanceState,
    command_from_row,
    command_payload,
)

__all__ = ["PAYLOAD_VERSION", "OutboxItem", "OutboxState", "ProvenanceState", "command_from_row", "command_payload"]
