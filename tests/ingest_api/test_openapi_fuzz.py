"""Schemathesis against the OpenAPI schema of a real API process: no 5xx, no off-schema reply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_http_ready
from tests.ingest_api.conftest import ACME

pytestmark = pytest.mark.integration
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"


def test_schemathesis_finds_no_5xx_and_no_schema_violation(api_settings, spawn, tmp_path):
    port = free_port()
    spawn(api_settings, "api", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_http_ready(f"{base}/ready")
    st = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [str(st), "run", f"{base}/openapi.json", "--checks", CHECKS, "--max-examples", "25",
         "--header", f"X-API-Key: {ACME['X-API-Key']}", "--request-timeout", "30",
         "--generation-deterministic", "--phases", "examples,coverage,fuzzing"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout or "passed" in run.stdout.lower(), run.stdout[-3000:]
