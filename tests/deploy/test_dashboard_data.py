"""Every Grafana panel's query returns data from a real Prometheus scraping a real API and worker.

Grafana itself is not packaged for Debian, so the panels are checked one level down: Prometheus
(Debian's package) scrapes one API and one worker of this test (the shared broker and Redis, topics
of its own), the API gets a few documents, and each panel's PromQL must return at least one number
over the run, the way the dashboard's time range would show it. Prometheus also loads alerts.yml.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import free_port, wait_http_ready
from tests.helpers import invoice_pdf, make_topics, wait_final

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/dashboards/ai-doc-extractor.json"
KEY = "dashboard-key-0123456789abcdef"
SCRAPE = 1  # seconds: a short run still gets the two samples rate() needs


def _panels() -> list[tuple[str, str]]:
    board = json.loads(DASHBOARD.read_text())
    return [(p["title"], t["expr"]) for p in board["panels"] for t in p.get("targets", [])]


@pytest.fixture
def prometheus(tmp_path: Path):
    binary = shutil.which("prometheus")
    if not binary:
        pytest.skip("prometheus is not installed (.ci/run installs the Debian package)")
    port = free_port()
    targets: dict[str, list[str]] = {}
    proc: subprocess.Popen | None = None

    def start(api: str, worker: str) -> str:
        nonlocal proc
        targets.update(api=[api], worker=[worker])
        config = {
            "global": {"scrape_interval": f"{SCRAPE}s", "evaluation_interval": f"{SCRAPE}s"},
            "rule_files": [str(ROOT / "deploy/prometheus/alerts.yml")],
            "scrape_configs": [{"job_name": job, "static_configs": [{"targets": t}]}
                               for job, t in targets.items()],
        }
        path = tmp_path / "prometheus.yml"
        path.write_text(yaml.safe_dump(config))
        log = (tmp_path / "prometheus.log").open("wb")
        proc = subprocess.Popen(
            [binary, f"--config.file={path}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        wait_http_ready(f"{base}/-/ready", timeout=60)
        return base

    yield start
    if proc and proc.poll() is None:
        proc.terminate()
        proc.wait(30)


def test_every_panel_has_data(settings, spawn, prometheus) -> None:
    settings = settings.model_copy(update={"api_keys": f"dash:{KEY}", "ocr_enabled": False})
    make_topics(settings)
    api_port, metrics_port = free_port(), free_port()
    spawn(settings, "worker", worker_metrics_port=metrics_port)
    spawn(settings, "api", "--port", str(api_port))
    base = f"http://127.0.0.1:{api_port}"
    wait_http_ready(f"{base}/ready")
    wait_http_ready(f"http://127.0.0.1:{metrics_port}/metrics")
    prom = prometheus(f"127.0.0.1:{api_port}", f"127.0.0.1:{metrics_port}")
    started = time.time()

    with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": KEY}) as client:
        ids = []
        for n in range(6):
            pdf = invoice_pdf([f"Dashboard {started} {n}", f"Invoice Number: D-{n}",
                               "Total: 1.00 EUR"])
            response = client.post("/v1/documents", data={"schema": "invoice"},
                                   files={"file": (f"d{n}.pdf", pdf, "application/pdf")})
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
            if n == 0:
                # A labelled series is born at its first observation, and rate() needs a change
                # between two scrapes: let the first document's series be scraped before the rest.
                assert wait_final(client, ids[0])["status"] == "completed"
                time.sleep(3 * SCRAPE)
            time.sleep(0.5)
        for doc_id in ids:
            assert wait_final(client, doc_id)["status"] == "completed"
        client.get("/v1/documents/not-a-document")  # a 404 for the status panel

    # The worker reports its consumer lag every 10 s; give Prometheus that plus a few scrapes.
    time.sleep(12)
    empty = []
    with httpx.Client(base_url=prom, timeout=30) as client:
        for title, expr in _panels():
            query = expr.replace("$__rate_interval", "30s")
            body = client.get("/api/v1/query_range", params={
                "query": query, "start": started, "end": time.time(), "step": SCRAPE}).json()
            assert body["status"] == "success", (title, body)
            values = [float(v) for series in body["data"]["result"] for _, v in series["values"]]
            if not any(not math.isnan(v) for v in values):
                empty.append(title)
        up = client.get("/api/v1/query", params={"query": "up"}).json()["data"]["result"]
        groups = client.get("/api/v1/rules").json()["data"]["groups"]
    assert {r["metric"]["job"]: r["value"][1] for r in up} == {"api": "1", "worker": "1"}
    assert len(_panels()) >= 12
    assert not empty, f"panels without data: {empty}"
    # The alert rules evaluate on live series without errors (e.g. no many-to-many matches).
    rules = [r for g in groups for r in g["rules"]]
    assert len(rules) >= 7
    assert all(r["health"] == "ok" for r in rules), [(r["name"], r.get("lastError")) for r in rules]

    # The live expositions, with every label set the processes really use, pass promtool too.
    promtool = shutil.which("promtool")
    for url in (f"{base}/metrics", f"http://127.0.0.1:{metrics_port}/metrics"):
        text = httpx.get(url, timeout=10).text
        assert "stage_" in text or "http_request" in text
        if promtool:
            out = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                                 text=True, timeout=60)
            assert out.returncode == 0, (url, out.stdout + out.stderr)
