"""Shared helpers for the simulator tests."""

from __future__ import annotations

from typing import Any

import httpx


def search_all(
    client: httpx.Client, url: str, params: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow next links to the end; returns (bundles, match entries)."""
    bundles: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    r = client.get(url, params=params)
    while True:
        assert r.status_code == 200, r.text
        b = r.json()
        bundles.append(b)
        entries.extend(e for e in b.get("entry", []) if e.get("search", {}).get("mode", "match") == "match")
        nxt = [link["url"] for link in b.get("link", []) if link["relation"] == "next"]
        if not nxt:
            return bundles, entries
        assert len(bundles) < 500
        r = client.get(nxt[0])
