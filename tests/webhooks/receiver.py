"""A webhook receiver on loopback: each path behaves as a test sets it; every request is kept."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: bytes
    answered: int | None  # None: never answered

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Behaviour:
    statuses: list[int] = field(default_factory=list)  # answered in turn; then `then`
    then: int = 200
    hang: float = 0.0  # seconds to stall before answering
    redirect_to: str | None = None
    answer_bytes: int = 0
    drip: float = 0.0  # after the first 8 KiB of the answer, stall this long


class Receiver:
    def __init__(self) -> None:
        self.behaviours: dict[str, Behaviour] = defaultdict(Behaviour)
        self.requests: dict[str, list[Received]] = defaultdict(list)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server spelling
                receiver._handle(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        body = handler.rfile.read(int(handler.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            behaviour = self.behaviours[path]
            status = behaviour.statuses.pop(0) if behaviour.statuses else behaviour.then
            record = Received(time.time(), headers, body, None)
            self.requests[path].append(record)
        if behaviour.hang:
            time.sleep(behaviour.hang)
        handler.send_response(status)
        if behaviour.redirect_to:
            handler.send_header("Location", behaviour.redirect_to)
        handler.send_header("Content-Length", str(behaviour.answer_bytes))
        handler.end_headers()
        with contextlib.suppress(OSError):  # the sender stops reading past its cap
            handler.wfile.write(b"x" * min(behaviour.answer_bytes, 8192))
            handler.wfile.flush()
            time.sleep(behaviour.drip)
            handler.wfile.write(b"x" * max(behaviour.answer_bytes - 8192, 0))
        record.answered = status

    def got(self, path: str) -> list[Received]:
        with self.lock:
            return list(self.requests[path])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verified(secret: str, received: Received) -> dict:
    """The payload, if its signature is valid per the `standardwebhooks` library (else raises)."""
    return Webhook(secret).verify(received.body, received.headers)


def wait_for(predicate, timeout: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(step)
    raise TimeoutError(f"{what} not within {timeout} s")
