"""What the run ran on: cores, CPU, memory, Python, Kafka, and how busy the machine was."""

from __future__ import annotations

import glob
import os
import platform
import re
from pathlib import Path

from bench.stack import ROOT


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    try:
        text = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s+(\d+)", text).group(1))  # type: ignore[union-attr]
        return round(kib / 1024 / 1024, 1)
    except (OSError, AttributeError):
        return 0.0


def kafka_version() -> str:
    """From the running local broker's classpath (deploy/local/kafka.sh), else the env."""
    try:
        pid = (ROOT / ".run" / "kafka.pid").read_text().strip()
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        classpath = argv[argv.index(b"-cp") + 1].decode()
        for entry in classpath.split(":"):
            for jar in glob.glob(entry.replace("*", "kafka_2.13-*.jar")):
                found = re.search(r"kafka_2\.13-([\d.]+)\.jar$", jar)
                if found:
                    return found.group(1)
    except (OSError, ValueError, IndexError):
        pass
    return os.environ.get("KAFKA_VERSION", "unknown")


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def describe() -> dict:
    return {"cpus": os.cpu_count(), "cpu_model": cpu_model(), "memory_gib": memory_gib(),
            "python": platform.python_version(), "kafka": kafka_version(),
            "os": f"{platform.system()} {platform.release()}", "load_average": load_average()}
