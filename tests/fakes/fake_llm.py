"""A fake Groq + Mistral HTTP API for tests and benchmarks, on loopback only.

Speaks `POST /openai/v1/chat/completions` (Groq), `POST /v1/chat/completions` and
`POST /v1/ocr` (Mistral), so the real SDKs can be pointed at it. This module is the server:
its routes, running it in a thread, and the log of the requests it got. What it answers is in
`replies.py`: a schema-valid answer filled from the document text, or a fault (429, 500, 503,
timeout, malformed, invalid, arithmetic), chosen from a script
(`fake.script("429", "ok", api="groq")`), else a standing outage (`fake.outage("500",
api="groq")`, or over HTTP `POST /_fake/outage {"fault": "503", "seconds": 60}` for a window
that ends by itself), else at random from the configured rates.

    python -m tests.fakes.fake_llm --port 8900 --latency-ms 500 --rate-429 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .replies import FAULTS, Faults, chat_reply, error_reply, format_rejection, ocr_reply

log = structlog.get_logger(__name__)

LOOPBACK = "127.0.0.1"


@dataclass
class FakeConfig:
    latency_ms: float = 0
    rate_429: float = 0
    rate_500: float = 0
    rate_timeout: float = 0
    rate_malformed: float = 0
    rate_invalid: float = 0
    retry_after: float = 1  # seconds, sent in Retry-After with every 429
    timeout_s: float = 30
    json_schema_models: frozenset[str] | None = None  # Groq models accepting json_schema; None=all
    seed: int | None = None
    log_limit: int = 10_000  # request log entries kept (bodies may hold images)
    rates: dict[str, float] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.rates = {"429": self.rate_429, "500": self.rate_500, "timeout": self.rate_timeout,
                      "malformed": self.rate_malformed, "invalid": self.rate_invalid}


class FakeLLM:
    """The fake server: build it, `start()` it in a thread (or use `with`), read `requests()`."""

    def __init__(self, config: FakeConfig | None = None, *, port: int = 0, **knobs: Any) -> None:
        self.config = config or FakeConfig(**knobs)
        self.port = port
        self.faults = Faults(self.config.rates, self.config.seed)
        self._lock = threading.Lock()
        self._outage_end: asyncio.TimerHandle | None = None
        self._log: deque[dict[str, Any]] = deque(maxlen=self.config.log_limit)
        self.stats: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self._stopping = False
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    # -- control -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def script(self, *faults: str, api: str = "*") -> None:
        """Faults for the next requests to `api` ("groq", "mistral" or "*"), in order."""
        self.faults.script(*faults, api=api)

    def outage(self, fault: str | None, api: str = "*") -> None:
        """Answer every request to `api` with `fault` until called again with None."""
        self.faults.outage(fault, api)

    def requests(self, api: str | None = None, endpoint: str | None = None) -> list[dict]:
        with self._lock:
            return [r for r in self._log if (api is None or r["api"] == api)
                    and (endpoint is None or r["endpoint"] == endpoint)]

    def reset(self) -> None:
        self.faults.clear()
        with self._lock:
            self._log.clear()
            self.stats.clear()
            self.max_in_flight = 0

    # -- running in a thread ---------------------------------------------------------------
    def start(self) -> FakeLLM:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, self.port))
        self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(_uvicorn_config(self.app))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="fake-llm", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake LLM server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the HTTP API ----------------------------------------------------------------------
    def _build_app(self) -> FastAPI:
        app = FastAPI(title="fake-llm", docs_url=None, redoc_url=None, openapi_url=None)

        @app.post("/openai/v1/chat/completions")
        async def groq_chat(request: Request) -> JSONResponse:
            return await self._handle(request, "groq", "chat")

        @app.post("/v1/chat/completions")
        async def mistral_chat(request: Request) -> JSONResponse:
            return await self._handle(request, "mistral", "chat")

        @app.post("/v1/ocr")
        async def mistral_ocr(request: Request) -> JSONResponse:
            return await self._handle(request, "mistral", "ocr")

        @app.post("/_fake/outage")
        async def set_outage(request: Request) -> JSONResponse:
            body = await request.json()
            fault, api, seconds = body.get("fault"), body.get("api", "*"), body.get("seconds")
            if fault is not None and fault not in FAULTS:
                return JSONResponse({"error": f"unknown fault {fault}"}, status_code=422)
            if self._outage_end is not None:  # a new window replaces the old one's end
                self._outage_end.cancel()
                self._outage_end = None
            self.outage(fault, api)
            if fault is not None and seconds:
                self._outage_end = asyncio.get_running_loop().call_later(
                    float(seconds), self.outage, None, api)
            return JSONResponse({"fault": fault, "api": api, "seconds": seconds})

        @app.get("/_fake/stats")
        async def stats() -> dict[str, Any]:
            return {"counts": dict(self.stats), "max_in_flight": self.max_in_flight}

        return app

    async def _handle(self, request: Request, api: str, endpoint: str) -> JSONResponse:
        body = await request.json()
        fault = self.faults.next(api)
        self._record(request, api, endpoint, body, fault)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.config.latency_ms / 1000)
            if fault == "timeout":
                await self._hang()
            if fault in ("429", "500", "503"):
                return error_reply(api, int(fault), self.config.retry_after)
            if endpoint == "ocr":
                return JSONResponse(ocr_reply(body))
            rejected = format_rejection(api, body, self.config.json_schema_models)
            return rejected or JSONResponse(chat_reply(body, fault))
        finally:
            self.in_flight -= 1

    def _record(self, request: Request, api: str, endpoint: str, body: dict, fault: str) -> None:
        entry = {"api": api, "endpoint": endpoint, "path": request.url.path,
                 "model": body.get("model"), "fault": fault, "body": body, "at": time.time(),
                 "authorization": request.headers.get("authorization")}
        with self._lock:
            self._log.append(entry)
            self.stats[f"{api}.{endpoint}.{fault}"] += 1

    async def _hang(self) -> None:
        deadline = time.monotonic() + self.config.timeout_s
        while time.monotonic() < deadline and not self._stopping:
            await asyncio.sleep(0.05)


def _uvicorn_config(app: FastAPI, port: int = 0) -> uvicorn.Config:
    return uvicorn.Config(app, host=LOOPBACK, port=port, log_level="warning", access_log=False,
                          loop="asyncio", http="h11", lifespan="off",
                          timeout_graceful_shutdown=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--latency-ms", type=float, default=0)
    for fault in ("429", "500", "timeout", "malformed", "invalid"):
        parser.add_argument(f"--rate-{fault}", type=float, default=0, dest=f"rate_{fault}")
    parser.add_argument("--retry-after", type=float, default=1)
    parser.add_argument("--timeout-s", type=float, default=30)
    parser.add_argument("--seed", type=int, default=None)
    args = vars(parser.parse_args(argv))
    port = args.pop("port")
    fake = FakeLLM(FakeConfig(**args, log_limit=1000), port=port)
    log.info("fake_llm.listening", url=f"http://{LOOPBACK}:{port}", **args)
    uvicorn.Server(_uvicorn_config(fake.app, port)).run()


if __name__ == "__main__":
    main()
