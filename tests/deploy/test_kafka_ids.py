"""deploy/local/kafka.sh's cluster ids: kafka-storage reads `-t -x...` as an option, so an id
must never start with "-" (one random id in 64 did, and that start of Kafka failed)."""

from __future__ import annotations

import subprocess

from tests.conftest import ROOT


def test_cluster_ids_never_start_with_a_dash():
    script = (f'source <(sed -n "/^new_id()/,/^}}/p" "{ROOT}/deploy/local/kafka.sh"); '
              "for i in $(seq 1000); do new_id; done")
    ids = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True,
                         timeout=120).stdout.split()
    assert len(ids) == 1000 and len(set(ids)) == 1000
    assert not [i for i in ids if i.startswith("-")]
    assert all(len(i) == 22 for i in ids)  # 16 bytes, URL-safe base64 without padding
