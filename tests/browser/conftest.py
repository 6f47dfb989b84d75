"""The real stack (Kafka, Redis, API, one worker) for the browser tests, and Debian's chromium.

One worker and one API serve every browser test; tests that kill or throttle an API start their own
against the same topics. Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Browser, BrowserType, Playwright, sync_playwright

from config.settings import Settings
from stores.reviews import queue_key
from tests.conftest import ROOT, Proc, free_port, settings_env, wait_http_ready
from tests.helpers import make_topics

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
KEY = "studio-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"  # a second tenant, who must see none of it
BACKLOG_KEY = "backlog-key-0123456789abcdef"  # a tenant of this run only: its queue is exact

pytestmark = pytest.mark.integration
EXTRA_APIS = {
    "api": {},
    "killable": {},  # killed and restarted under the page
    # 3 requests at once, then one a second: a few uploads and their streams must wait.
    "limited": {"RATE_LIMIT_PER_MINUTE": "60", "RATE_LIMIT_BURST": "3"},
}


# Package scope, not pytest-playwright's session: its sync API keeps an event loop running in
# the main thread while it is started, which the asyncio tests after this folder cannot share.
@pytest.fixture(scope="package")
def playwright(_pw_api_request_contexts) -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def launch_browser(browser_type_launch_args, browser_type: BrowserType):
    return lambda **kwargs: browser_type.launch(**{**browser_type_launch_args, **kwargs})


@pytest.fixture(scope="package")
def browser(launch_browser) -> Iterator[Browser]:
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_context_args() -> dict:
    return {}  # no --device or --video here; the default would hold on to `playwright`


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches the system chromium: browser downloads are not allowed."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@dataclass
class Stack:
    settings: Settings
    base: str
    api: Proc
    worker: Proc
    logs: Path
    extra: dict[str, tuple[Proc, str]]  # name -> (API process, base URL), for outage tests
    backlog: str = ""  # BACKLOG_KEY's tenant, named anew by each run (Redis outlives runs)

    def client(self, base: str | None = None, key: str = KEY) -> httpx.Client:
        return httpx.Client(base_url=base or self.base, timeout=30, headers={"X-API-Key": key})



@pytest.fixture(scope="package")
def stack(kafka: str, redis_url: str, tmp_path_factory) -> Iterator[Stack]:
    unique = uuid.uuid4().hex[:10]
    settings = Settings(
        _env_file=None, environment="test", kafka_bootstrap_servers=kafka, redis_url=redis_url,
        topic_prefix=f"t{unique}.", worker_group=f"g{unique}", extraction_providers="local",
        # Tenants of this run only: earlier runs' documents wait in Redis for days, and the
        # queue's first page (the oldest 50) would be theirs.
        api_keys=f"studio{unique}:{KEY},other:{OTHER_KEY},backlog{unique}:{BACKLOG_KEY}",
        retry_base_seconds=0.05, retry_max_seconds=0.5,
        preprocess_workers=1, rate_limit_per_minute=6000, rate_limit_burst=200,
    )
    # In a thread: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(make_topics, settings).result()
    logs = tmp_path_factory.mktemp("stack")
    env = settings_env(settings)
    worker = Proc(["worker"], env, logs / "worker.log").start()
    # Every API starts now, side by side: each takes seconds to import and reach Kafka.
    apis: dict[str, tuple[Proc, str]] = {}
    for name, extra in EXTRA_APIS.items():
        port = free_port()
        proc = Proc(["api", "--port", str(port)], env | extra, logs / f"{name}.log").start()
        apis[name] = (proc, f"http://127.0.0.1:{port}")
    api, base = apis.pop("api")
    try:
        for _, url in [("api", base), *apis.values()]:
            wait_http_ready(f"{url}/ready")
        yield Stack(settings, base, api, worker, logs, apis, f"backlog{unique}")
    finally:
        for proc, _ in [(api, base), *apis.values()]:
            proc.stop()
        worker.stop()
        if os.environ.get("KEEP_STACK_LOGS"):
            shutil.copytree(logs, ARTIFACTS / "logs", dirs_exist_ok=True)


@pytest.fixture
def backlog(stack: Stack, redis_url: str) -> Iterator[str]:
    """BACKLOG_KEY's tenant with an empty review queue, emptied again after the test."""
    client = redis.Redis.from_url(redis_url)
    client.delete(queue_key(stack.backlog))
    yield stack.backlog
    client.delete(queue_key(stack.backlog))
    client.close()


@pytest.fixture
def console_errors(page) -> list[str]:
    """Every console error and uncaught exception of the page; tests assert it stays empty."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors
