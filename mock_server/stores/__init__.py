"""The three stores a fake can keep its state in, and the choice between them."""

from __future__ import annotations

from mock_server.domain.store import StateStore
from mock_server.settings import StoreKind, StoreLocation

__all__ = ["open_store"]


def open_store(location: StoreLocation) -> StateStore:
    """Open the store a location names (memory when it names none)."""
    if location.kind is StoreKind.SQLITE:
        from mock_server.stores.sqlite_store import SQLiteStore

        return SQLiteStore(location.target)
    if location.kind is StoreKind.REDIS:
        from mock_server.stores.redis_store import RedisStore  # imports redis only when asked

        return RedisStore(location.target)
    from mock_server.stores.memory_store import MemoryStore

    return MemoryStore()
