"""Driving the studio page: open it with a key, drop or pick files, wait for statuses."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import BACKLOG_KEY, KEY
from tests.helpers import INVOICE_LINES, invoice_pdf, wait_final
from tests.streams import docgen

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
# Subtotal + tax != total: once the pipeline checks sums, this one needs a person.
MISMATCH = ["ACME Widgets GmbH", "Hauptstrasse 1, 10115 Berlin", "",
            "Invoice Number: INV-2002", "Invoice Date: 14/03/2026",
            "Bill to: Example Customer Ltd", "", "Subtotal: 100.00 EUR",
            "VAT 19%: 19.00 EUR", "Total: 129.00 EUR"]


def files(tmp_path: Path, count: int, lines=None, prefix="invoice") -> list[Path]:
    """`count` invoices, each with its own number (identical bytes would be deduplicated)."""
    out = []
    for i in range(count):
        path = tmp_path / f"{prefix}-{i + 1}.pdf"
        text = [re.sub(r"INV-\d+", f"INV-{4000 + i}", line) for line in (lines or INVOICE_LINES)]
        path.write_bytes(invoice_pdf(text))
        out.append(path)
    return out


def fresh_copy(image: Path, folder: Path) -> Path:
    """The scan with one pixel changed: new bytes, so it is extracted now, not answered as a
    duplicate of an earlier run's upload (which may have been left unfinished)."""
    img = Image.open(image).convert("RGB")
    img.putpixel((0, 0), tuple(random.randrange(256) for _ in range(3)))
    path = folder / image.name
    img.save(path, format="JPEG", quality=90)
    return path


class EventStreams:
    """Every document event stream the page opens. A follower may come back after a 429, a 503
    or a broken stream, but never opens a second stream while its first is still open."""

    def __init__(self, page: Page):
        self.opened: dict[str, int] = {}
        self.open: dict[str, int] = {}
        self.overlaps: list[str] = []
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    @staticmethod
    def _doc(request) -> str | None:
        match = re.search(r"/v1/documents/([^/]+)/events$", request.url)
        return match.group(1) if match else None

    def _start(self, request) -> None:
        if doc := self._doc(request):
            if self.open.get(doc):
                self.overlaps.append(doc)
            self.open[doc] = self.open.get(doc, 0) + 1
            self.opened[doc] = self.opened.get(doc, 0) + 1

    def _end(self, request) -> None:
        if doc := self._doc(request):
            self.open[doc] -= 1


def open_studio(page: Page, base: str, key: str = KEY) -> None:
    """The studio with the key already given in this browser session (no 401 on first load)."""
    page.add_init_script(f"sessionStorage.setItem('studio.apiKey', {json.dumps(key)})")
    page.goto(base + "/")
    expect(page.get_by_test_id("api-key-input")).to_have_value(key)
    expect(page.get_by_test_id("schema-select").locator("option[value=receipt]")).to_have_count(1)


def drop_files(page: Page, paths: list[Path]) -> None:
    """A real drop event carrying a DataTransfer with the files."""
    payload = [{"name": p.name, "b64": base64.b64encode(p.read_bytes()).decode(),
                "type": "application/pdf" if p.suffix == ".pdf" else "image/jpeg"} for p in paths]
    page.get_by_test_id("drop-zone").evaluate("""(zone, files) => {
        const dt = new DataTransfer();
        for (const f of files) {
            const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
            dt.items.add(new File([bytes], f.name, { type: f.type }));
        }
        const init = { dataTransfer: dt, bubbles: true, cancelable: true };
        zone.dispatchEvent(new DragEvent('dragover', init));
        zone.dispatchEvent(new DragEvent('drop', init));
    }""", payload)


def wait_all(page: Page, count: int, status: str = "completed", timeout: float = 60_000) -> None:
    items = page.get_by_test_id("doc-item")
    expect(items).to_have_count(count)
    expect(page.locator(f'[data-testid=doc-item][data-status="{status}"]')).to_have_count(
        count, timeout=timeout)


def in_thread(fn, *args):
    """asyncio code from a sync test: Playwright's own loop runs in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(fn(*args))).result()


async def _flag(settings, doc_id: str) -> None:
    """The pipeline flags a total that is not subtotal + tax; should its rules ever let one
    pass, the record is flagged here as it would be, through the same store (same queue)."""
    from redis.asyncio import Redis

    from stores.results import RedisResultStore

    redis = Redis.from_url(settings.redis_url)
    try:
        store = RedisResultStore(redis, settings.result_ttl_seconds)
        current = await store.get(doc_id)
        if current.review.state == "pending":
            return
        review = current.review.model_copy(
            update={"required": True, "state": "pending", "fields": ["total"]})
        await store.write(current.model_copy(update={"review": review}), force=True)
    finally:
        await redis.aclose()


def flag_for_review(settings, doc_id: str) -> None:
    in_thread(_flag, settings, doc_id)


def split_pdf() -> bytes:
    """For `schema=auto`: an invoice over pages 1-2 ("Page 1 of 2"), a blank page, a receipt
    (page 4) and another invoice (page 5); the classifier's test finds these three parts."""
    invoice = docgen.invoice_en()
    first = [b for b in invoice if b[1] < 240] + [(500, 815, "Page 1 of 2")]
    second = [b for b in invoice if b[1] >= 240] + [(500, 815, "Page 2 of 2")]
    return docgen.make_pdf(first, second, [], docgen.receipt(), docgen.invoice_fr())


SPLIT_TITLES = {(1, 2): "pages 1–2", (4, 4): "p. 4", (5, 5): "p. 5"}  # of split_pdf's parts


def flag_split(settings, parent: dict) -> list[dict]:
    """Every part of a completed `schema=auto` document pending review, and the parent as well
    (as a weak split marks it): the parent must still stay out of the queue. Its parts."""
    parts = parent["children_status"]
    assert {tuple(c["page_range"]) for c in parts} == set(SPLIT_TITLES), parts
    for doc_id in [c["id"] for c in parts] + [parent["id"]]:
        flag_for_review(settings, doc_id)
    return parts


def upload_split(page: Page, stack, folder: Path) -> tuple[str, list[dict]]:
    """Upload split_pdf() as scan.pdf with `schema=auto` from the studio, wait for it, then flag
    its parts (flag_split). The parent's id and its parts (children_status)."""
    scan = folder / "scan.pdf"
    scan.write_bytes(split_pdf())
    page.get_by_test_id("schema-select").select_option("auto")
    page.get_by_test_id("upload-input").set_input_files([str(scan)])
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_all(page, 1, timeout=90_000)
    parent = page.get_by_test_id("doc-item").get_attribute("data-doc-id")
    assert parent
    with stack.client() as client:
        return parent, flag_split(stack.settings, wait_final(client, parent))


async def _seed(settings, template_id: str, tenant: str, count: int) -> list[str]:
    from redis.asyncio import Redis

    from stores.results import RedisResultStore
    from stores.reviews import FILENAME, preview_key

    redis = Redis.from_url(settings.redis_url)
    try:
        store = RedisResultStore(redis, settings.result_ttl_seconds)
        template = await store.get(template_id)
        assert template is not None
        previews = await redis.hgetall(preview_key(template_id))  # type: ignore[misc]
        pages = {int(n): jpeg for n, jpeg in previews.items()
                 if n != FILENAME.encode() and isinstance(jpeg, bytes)}
        review = template.review.model_copy(
            update={"required": True, "state": "pending", "fields": ["total"]})
        start, ids = time.time() - count, []
        for i in range(count):
            doc = template.model_copy(update={
                "id": uuid.uuid4().hex, "tenant": tenant, "review": review,
                "created_at": datetime.fromtimestamp(start + i, UTC)})
            await store.reviews.put_previews(tenant, doc.id, pages, f"backlog-{i + 1:02}.pdf")
            assert await store.write(doc)
            ids.append(doc.id)
        return ids
    finally:
        await redis.aclose()


def seed_backlog(stack, count: int) -> list[str]:
    """`count` copies of an invoice the pipeline completed (result and page previews), pending
    review for BACKLOG_KEY's tenant, as the pipeline would leave them but in seconds:
    backlog-01.pdf, ... oldest first, one second apart. Their ids, in queue order."""
    with stack.client(key=BACKLOG_KEY) as client:
        template = client.post("/v1/documents", data={"schema": "invoice"}, files={
            "file": ("template.pdf", invoice_pdf(), "application/pdf")}).json()["id"]
        done = wait_final(client, template, timeout=60)
    assert done["status"] == "completed" and done["review"]["state"] != "pending", done
    return in_thread(_seed, stack.settings, template, stack.backlog, count)
