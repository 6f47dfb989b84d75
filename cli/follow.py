"""Wait for a document's final state over server-sent events, polling if the stream drops."""

from __future__ import annotations

import json
import time

import click
import httpx

FINAL = {"completed", "failed", "cancelled"}


def wait_for(client: httpx.Client, doc_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with client.stream("GET", f"/v1/documents/{doc_id}/events",
                               timeout=httpx.Timeout(10, read=30)) as response:
                if response.status_code >= 400:
                    response.read()
                    err = response.json().get("error", {})
                    raise click.ClickException(f"{err.get('code')}: {err.get('message')}")
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        state = json.loads(line[6:])
                        if state.get("status") in FINAL:
                            return state
                    if time.monotonic() > deadline:
                        break
        except httpx.TransportError:
            time.sleep(1)  # API restarting or connection dropped: reconnect
    raise click.ClickException(f"{doc_id}: no final result within {timeout:.0f} s")
