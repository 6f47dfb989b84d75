"""`doc-extractor submit`: files and folders uploaded as batches, followed as one job.

On a terminal, one progress bar (on stderr) with the counts by status; otherwise one plain line
each time the counts change. Results, with --wait, are JSON Lines on stdout or in
`--out DIR/results.jsonl`; without --wait each file's batch entry is a JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click
import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

ACCEPTED = {".pdf", ".jpg", ".jpeg", ".png"}
FINAL = {"completed", "failed", "cancelled", "expired"}
POLL_S = 1.0


def collect(paths: tuple[str, ...], pattern: str | None) -> list[Path]:
    """The files named, and those under the folders named (recursively), each once, in order."""
    found: dict[Path, None] = {}
    for name in paths:
        path = Path(name)
        if path.is_dir():
            matches = path.rglob(pattern or "*")
            for file in sorted(p for p in matches if p.is_file()):
                if pattern or file.suffix.lower() in ACCEPTED:
                    found[file] = None
        else:
            found[path] = None
    return list(found)


def _errors(response: httpx.Response) -> str:
    try:
        err = response.json().get("error", {})
    except ValueError:
        return f"HTTP {response.status_code} from {response.url}"
    return f"{err.get('code')}: {err.get('message')}"


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> dict:
    """One request; a 429 waits its Retry-After and tries again (the limit counts every file)."""
    while True:
        response = client.request(method, url, **kwargs)
        if response.status_code == 429:
            time.sleep(float(response.headers.get("retry-after") or 1))
            continue
        if response.status_code >= 400:
            raise click.ClickException(_errors(response))
        return response.json()


def upload(client: httpx.Client, files: list[Path], schema: str,
           batch_size: int) -> Iterator[tuple[str, list[dict]]]:
    """(batch id, its entries) per batch of up to `batch_size` files."""
    for start in range(0, len(files), batch_size):
        chunk = files[start:start + batch_size]
        parts = [("file", (path.name, path.read_bytes())) for path in chunk]
        batch = _send(client, "POST", "/v1/batches", data={"schema": schema}, files=parts)
        yield batch["id"], batch["documents"]


class View:
    """The progress bar on a terminal, plain lines otherwise (both on stderr)."""

    def __init__(self, total: int, console: Console) -> None:
        self.console = console
        self.total = total
        self.last = ""
        self.bar: Progress | None = None
        if console.is_terminal:
            self.bar = Progress(TextColumn("submit"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.description}"), TimeElapsedColumn(),
                                console=console, transient=False)
            self.task = self.bar.add_task("", total=total)
            self.bar.start()

    def show(self, counts: Counter) -> None:
        text = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        done = sum(n for status, n in counts.items() if status in FINAL or status == "rejected")
        if self.bar is not None:
            self.bar.update(self.task, completed=done, description=text)
        elif text != self.last:
            self.console.print(f"{done}/{self.total} final: {text}", highlight=False,
                               soft_wrap=True)
        self.last = text

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run(client: httpx.Client, files: list[Path], *, schema: str, wait: bool, timeout: float,
        batch_size: int, out: IO[str], console: Console) -> None:
    view = View(len(files), console)
    status: dict[str, str] = {}  # document id -> status
    batches: dict[str, list[dict]] = {}
    rejected: list[dict] = []
    try:
        for batch_id, entries in upload(client, files, schema, batch_size):
            batches[batch_id] = entries
            for entry in entries:
                if "id" in entry:
                    status[entry["id"]] = entry["status"]
                else:
                    rejected.append(entry)
                if not wait:
                    out.write(json.dumps({"batch": batch_id, **entry}) + "\n")
            view.show(_counts(status, rejected))
        for entry in rejected if wait else []:
            out.write(json.dumps(entry) + "\n")
        if wait:
            _follow(client, batches, status, rejected, timeout, out, view)
    finally:
        view.close()


def _counts(status: dict[str, str], rejected: list[dict]) -> Counter:
    counts = Counter(status.values())
    if rejected:
        counts["rejected"] = len(rejected)
    return counts


def _follow(client: httpx.Client, batches: dict[str, list[dict]], status: dict[str, str],
            rejected: list[dict], timeout: float, out: IO[str], view: View) -> None:
    """Poll each open batch; write each document's result once it is final."""
    deadline = time.monotonic() + timeout
    written: set[str] = set()
    open_batches = set(batches)
    while open_batches:
        for batch_id in sorted(open_batches):
            summary = _send(client, "GET", f"/v1/batches/{batch_id}")
            for doc in summary["documents"]:
                if "id" not in doc:
                    continue
                status[doc["id"]] = doc["status"]
                if doc["status"] in FINAL and doc["id"] not in written:
                    written.add(doc["id"])
                    result = _send(client, "GET", f"/v1/documents/{doc['id']}") \
                        if doc["status"] != "expired" else {"id": doc["id"], "status": "expired"}
                    out.write(json.dumps(result, ensure_ascii=False) + "\n")
                    out.flush()
            if all(s in FINAL for s in summary["counts"]):
                open_batches.discard(batch_id)
        view.show(_counts(status, rejected))
        if open_batches:
            if time.monotonic() > deadline:
                raise click.ClickException(f"{len(status) - len(written)} document(s) not final "
                                           f"within {timeout:.0f} s")
            time.sleep(POLL_S)


def output(out_dir: str | None) -> IO[str]:
    if out_dir is None:
        return sys.stdout
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return (folder / "results.jsonl").open("a", encoding="utf-8")
