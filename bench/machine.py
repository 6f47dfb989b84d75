"""What the run ran on: cores, CPU, memory, Python, Kafka, how busy and how fast the machine was.

Two speed figures make runs on different hosts of the same kind comparable: a plain Python loop
(single-thread speed) and a round trip to another process after an idle gap (what every step of
a document's path pays when documents go one at a time) and back to back.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import platform
import re
import time
from pathlib import Path
from statistics import median

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


def python_loop_s() -> float:
    """Seconds for a plain loop of 10^7 additions inside a function (single-thread speed)."""
    started, total = time.perf_counter(), 0
    for i in range(10_000_000):
        total += i
    return round(time.perf_counter() - started, 2)


def _echo(conn) -> None:
    while data := conn.recv_bytes():
        conn.send_bytes(data)


def round_trip_ms(gap_s: float = 0.5, n: int = 10) -> dict[str, float]:
    """Median ms for a byte to a child process and back: after `gap_s` idle, and back to back."""
    parent, child = multiprocessing.Pipe()
    echo = multiprocessing.get_context("fork").Process(target=_echo, args=(child,), daemon=True)
    echo.start()

    def once() -> float:
        started = time.perf_counter()
        parent.send_bytes(b"x")
        parent.recv_bytes()
        return (time.perf_counter() - started) * 1000

    try:
        once()
        idle = []
        for _ in range(n):
            time.sleep(gap_s)
            idle.append(once())
        busy = [once() for _ in range(200)]
    finally:
        parent.send_bytes(b"")
        echo.join(5)
    return {"idle": round(median(idle), 3), "busy": round(median(busy), 3)}


def describe() -> dict:
    return {"cpus": os.cpu_count(), "cpu_model": cpu_model(), "memory_gib": memory_gib(),
            "python": platform.python_version(), "kafka": kafka_version(),
            "os": f"{platform.system()} {platform.release()}", "load_average": load_average(),
            "python_loop_s": python_loop_s(), "round_trip_ms": round_trip_ms()}
