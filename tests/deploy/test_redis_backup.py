"""Redis backup and restore as deploy/README.md describes it, on a Redis set up as compose runs it.

A private redis-server (its own port and directory, append-only file on, as in
docker-compose.kafka.yml) is backed up online with `redis-cli --rdb`, stopped, restored with
deploy/redis/restore.sh, and started again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
RESTORE = ROOT / "deploy/redis/restore.sh"


class Server:
    """redis-server with compose's persistence flags, on loopback."""

    def __init__(self, data: Path, port: int) -> None:
        self.data, self.port = data, port
        self.proc: subprocess.Popen | None = None

    def start(self) -> redis.Redis:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir",
             str(self.data), "--appendonly", "yes", "--save", "", "--maxmemory", "64mb",
             "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                time.sleep(0.05)
        raise TimeoutError("redis-server did not answer")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: Redis fsyncs its append-only file and exits
            self.proc.wait(10)


@pytest.fixture
def server(tmp_path: Path):
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        pytest.skip("redis-server / redis-cli not installed (.ci/run installs redis-server)")
    data = tmp_path / "data"
    data.mkdir()
    srv = Server(data, free_port())
    yield srv
    srv.stop()


def test_backup_then_restore_brings_back_every_key_with_its_ttl(server, tmp_path) -> None:
    client = server.start()
    client.set("schema:acme:purchase_order", b'{"fields": ["po_number"]}')  # no TTL: must survive
    client.set("doc:abc", b"result", ex=3600)
    backup = tmp_path / "redis-backup.rdb"
    out = subprocess.run(["redis-cli", "-p", str(server.port), "--rdb", str(backup)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    client.set("after-backup", b"1")  # not in the backup
    client.delete("schema:acme:purchase_order")  # the accident the backup undoes
    server.stop()

    out = subprocess.run(["sh", str(RESTORE), str(server.data), str(backup)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    client = server.start()
    assert client.get("schema:acme:purchase_order") == b'{"fields": ["po_number"]}'
    assert 3000 < client.ttl("doc:abc") <= 3600
    assert client.exists("after-backup") == 0

    # The restored server keeps writing to its append-only file: a restart keeps new keys too.
    client.set("written-after-restore", b"1")
    server.stop()
    client = server.start()
    assert client.get("written-after-restore") == b"1"
    assert client.get("schema:acme:purchase_order") is not None


def test_restore_refuses_a_file_that_is_not_a_backup(server, tmp_path) -> None:
    bogus = tmp_path / "not-a-backup.rdb"
    bogus.write_text("hello")
    (server.data / "appendonlydir").mkdir()
    out = subprocess.run(["sh", str(RESTORE), str(server.data), str(bogus)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert (server.data / "appendonlydir").exists()  # nothing erased


def test_local_stack_redis_restores_the_same_way(tmp_path) -> None:
    # deploy/local/redis.sh (append-only too) with a run directory and port of this test's own.
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed (.ci/run installs redis-server)")
    port = free_port()
    env = os.environ | {"RUN_DIR": str(tmp_path / "run"), "REDIS_PORT": str(port)}
    script = str(ROOT / "deploy/local/redis.sh")

    def redis_sh(action: str) -> None:
        subprocess.run(["bash", script, action], env=env, check=True, timeout=60,
                       capture_output=True)

    redis_sh("start")
    try:
        client = redis.Redis(port=port)
        client.set("schema:dev:po", b"kept")
        backup = tmp_path / "local.rdb"
        subprocess.run(["redis-cli", "-p", str(port), "--rdb", str(backup)], check=True,
                       capture_output=True, timeout=30)
        client.flushall()  # the accident
        redis_sh("stop")
        subprocess.run(["sh", str(RESTORE), str(tmp_path / "run/redis"), str(backup)],
                       check=True, capture_output=True, timeout=30)
        redis_sh("start")
        assert redis.Redis(port=port).get("schema:dev:po") == b"kept"
    finally:
        redis_sh("stop")
