"""deploy/local/redis.sh keeps its data across a restart (append-only file), as compose does."""

from __future__ import annotations

import os
import subprocess

import redis

from tests.conftest import ROOT, free_port


def test_local_redis_keeps_its_data_across_a_restart(tmp_path):
    port = free_port()
    env = os.environ | {"RUN_DIR": str(tmp_path), "REDIS_PORT": str(port)}
    script = ["bash", str(ROOT / "deploy/local/redis.sh")]
    subprocess.run([*script, "start"], env=env, check=True, capture_output=True, timeout=60)
    try:
        client = redis.Redis(port=port)
        client.set("schemas:acme", "kept")
        subprocess.run([*script, "stop"], env=env, check=True, capture_output=True, timeout=60)
        subprocess.run([*script, "start"], env=env, check=True, capture_output=True, timeout=60)
        assert redis.Redis(port=port).get("schemas:acme") == b"kept"
    finally:
        subprocess.run([*script, "stop"], env=env, capture_output=True, timeout=60)
