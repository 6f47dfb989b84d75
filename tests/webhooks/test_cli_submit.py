"""`doc-extractor submit` on a folder, against the real API and worker: a progress bar on a
terminal (a pseudo-terminal), plain lines otherwise, results as JSON Lines."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import invoice_pdf
from tests.webhooks.conftest import key_of

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def folder(root: Path, n: int, marker: str) -> Path:
    """n distinct invoices, half in a subfolder (recursion), plus a file that is not a document."""
    base = root / marker
    for i in range(n):
        where = base / "sub" if i % 2 else base
        where.mkdir(parents=True, exist_ok=True)
        (where / f"{marker}-{i:03}.pdf").write_bytes(
            invoice_pdf([f"Invoice Number: {marker}-{i}", "Total: 10.00 EUR"]))
    (base / "notes.txt").write_text("not a document")
    return base


def command(stack, tenant: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", "submit", *args, "--url", stack.url,
            "--api-key", key_of(tenant)]


def on_a_terminal(argv: list[str], timeout: float) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal (stdout a pipe); everything the terminal showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 140, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "140"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    shown = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, shown.decode(errors="replace")


def test_a_200_file_folder_completes_with_a_progress_bar_and_json_lines(stack, tmp_path):
    files = folder(tmp_path, 200, "CLI200")
    out = tmp_path / "out"
    code, shown = on_a_terminal(command(stack, "wh4", str(files), "--wait", "--out", str(out),
                                        "--batch-size", "50"), timeout=280)
    text = ANSI.sub("", shown)
    assert code == 0, text[-2000:]
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(results) == 200 and len({r["id"] for r in results}) == 200
    assert {r["status"] for r in results} == {"completed"}
    assert sorted(r["data"]["invoice_number"] for r in results) == sorted(
        f"CLI200-{i}" for i in range(200))
    assert "━" in shown and "200/200" in text and "completed 200" in text  # rich's bar, counts
    assert "Traceback" not in text


def test_without_a_terminal_progress_is_plain_lines_and_a_bad_file_does_not_sink_it(stack,
                                                                                    tmp_path):
    files = folder(tmp_path, 3, "PLAIN")
    (files / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really")
    run = subprocess.run(command(stack, "wh5", str(files), "--wait"), cwd=ROOT, timeout=120,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert sorted(r.get("status", "rejected") for r in lines) == ["completed"] * 3 + ["rejected"]
    [bad] = [r for r in lines if "error" in r and r.get("status") is None]
    assert bad["filename"] == "broken.pdf" and bad["error"]["code"] == "invalid_document"
    assert "\x1b[" not in run.stderr and "━" not in run.stderr
    assert run.stderr.strip().splitlines()[-1] == "4/4 final: completed 3, rejected 1"
    listed = subprocess.run(command(stack, "wh5", str(files), "--glob", "*-001.pdf"), cwd=ROOT,
                            timeout=60, capture_output=True, text=True)
    [entry] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert entry["filename"] == "PLAIN-001.pdf" and entry["status"] in (
        "queued", "preprocessing", "extracting", "completed")
