"""schema=auto on the real broker and Redis: children, the classify DLQ, kill -9, cancel, delete."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime

import httpx
import pymupdf
import pytest
import redis

from config.schemas import AUTO, BUILTIN
from streams.extraction.local import extract_local
from tests.conftest import free_port, wait_http_ready
from tests.helpers import dead_letters, make_topics, produce, submitted, wait_final, wait_records
from tests.streams import docgen
from tests.streams.test_pipeline import FinalCounter
from tests.streams.test_pipeline import _wait_letters as wait_letters
from topics import catalogue
from topics.codec import encode
from topics.models import Prepared, utcnow

pytestmark = pytest.mark.integration
KEY = "split-key-0123456789abcdef"
LETTER = [(72, 120, "Dear Sir or Madam,"), (72, 140, "we are writing to let you know that"),
          (72, 160, "our office moves next month."), (72, 200, "Kind regards")]


def _pdf(*layouts: list) -> bytes:
    """docgen's pages with their font subset: small enough to send inline."""
    doc = pymupdf.open(stream=docgen.make_pdf(*layouts), filetype="pdf")
    doc.subset_fonts()
    return doc.tobytes(garbage=3, deflate=True)


def _tag(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def _when(record: dict) -> datetime:
    return datetime.fromisoformat(record["completed_at"])


def test_merged_invoices_give_two_children_and_one_invoice_one_child(settings, spawn):
    make_topics(settings)
    merged, single, plain = _tag("merged"), _tag("single"), _tag("plain")
    layouts = [docgen.invoice_en(), docgen.invoice_de()]
    one = _pdf(layouts[0])
    produce(settings, catalogue.SUBMITTED, [
        (merged.encode(), submitted(merged, _pdf(*layouts), schema="auto"), {}),
        (single.encode(), submitted(single, one, schema="auto"), {}),
        (plain.encode(), submitted(plain, one), {})])
    spawn(settings, "worker")
    parents = wait_records(settings.redis_url, [merged, single, plain], timeout=120)
    parent = parents[merged]
    assert parent["status"] == "completed" and parent["schema"] == "auto"
    assert parent["data"] is None
    assert parent["children"] == [f"{merged}-p1-1", f"{merged}-p2-2"]
    kids = wait_records(settings.redis_url, parent["children"], timeout=10)
    for layout, cid, pages in zip(layouts, parent["children"], ([1, 1], [2, 2]), strict=True):
        kid = kids[cid]
        alone = extract_local(docgen.pages_of(docgen.make_pdf(layout)), BUILTIN["invoice"]).data
        assert kid["status"] == "completed" and kid["schema"] == "invoice"
        assert kid["parent_id"] == merged and kid["page_range"] == pages
        assert kid["data"]["invoice_number"] == alone["invoice_number"]
        assert kid["data"]["total"] == alone["total"]
        assert kid["classification"]["confidence"] > 0.9
        assert _when(parent) >= _when(kid)  # the parent completes last
    assert kids[parent["children"][0]]["data"]["invoice_number"] != \
        kids[parent["children"][1]]["data"]["invoice_number"]
    # One invoice under schema=auto: one child, the same data as schema=invoice.
    only = parents[single]
    assert only["children"] == [f"{single}-p1-1"]
    child = wait_records(settings.redis_url, only["children"], timeout=10)[only["children"][0]]
    assert child["data"] == parents[plain]["data"] and child["schema"] == "invoice"
    assert child["checks"] == parents[plain]["checks"]


def test_classify_dead_letters_poison_and_fails_a_parent_whose_pages_are_gone(settings, spawn):
    make_topics(settings)
    poison, gone = _tag("poison"), _tag("gone")
    lost = Prepared(id=gone, schema="auto", schema_def=AUTO, filename="x.pdf",
                    content_type="application/pdf", pages_blob=f"blob:{gone}:pages",
                    page_count=2, submitted_at=utcnow())
    produce(settings, catalogue.PAGED, [(poison.encode(), b"\x00 not json", {}),
                                        (gone.encode(), encode(lost), {})])
    spawn(settings, "worker")
    failed = wait_records(settings.redis_url, [gone, poison], timeout=120)
    assert failed[gone]["status"] == "failed"
    assert failed[gone]["error"]["code"] == "blob_missing"
    assert failed[poison]["status"] == "failed"
    letters = wait_letters(settings, 2)
    assert {d.key.decode(): d.reason for d in letters} == {
        poison: "undecodable_message", gone: "blob_missing"}
    assert {d.meta("stage") for d in letters} == {"classify"}
    assert set(dead_letters(settings, catalogue.PAGED)) == {poison.encode(), gone.encode()}


def test_kill_9_during_splits_loses_and_doubles_no_child(settings, spawn, tally):
    make_topics(settings)
    parents = [_tag(f"kill{i:02d}") for i in range(12)]
    pdf = _pdf(docgen.invoice_en(), docgen.receipt(), docgen.invoice_de())
    counter = FinalCounter(settings.redis_url)
    time.sleep(0.3)
    produce(settings, catalogue.SUBMITTED,
            [(p.encode(), submitted(p, pdf, schema="auto"), {}) for p in parents])
    worker = spawn(settings, "worker")
    client = redis.Redis.from_url(settings.redis_url)
    deadline = time.monotonic() + 180
    done = 0
    while time.monotonic() < deadline:
        done = sum(client.hget(f"doc:{p}", "status") == b"completed" for p in parents)
        if done >= 2:
            break
        time.sleep(0.05)
    assert 2 <= done < len(parents), f"the kill must land mid-run, {done} were done"
    worker.kill(9)
    spawn(settings, "worker")
    records = wait_records(settings.redis_url, parents, timeout=300)
    expected = {p: [f"{p}-p1-1", f"{p}-p2-2", f"{p}-p3-3"] for p in parents}
    kids = wait_records(settings.redis_url, [c for cs in expected.values() for c in cs], 60)
    time.sleep(2)  # late duplicate deliveries arrive before counting
    stored = {p: sorted(k.decode().removeprefix("doc:")
                        for k in client.scan_iter(match=f"doc:{p}-p*")) for p in parents}
    writes = {d: counter.counts.get(d, 0) for d in [*parents, *kids]}
    tally(parents=len(parents), lost=sum(len(set(expected[p]) - set(stored[p])) for p in parents),
          extra=sum(len(set(stored[p]) - set(expected[p])) for p in parents),
          doubled=sum(n - 1 for n in writes.values() if n > 1))
    assert {r["status"] for r in records.values()} == {"completed"}
    assert all(records[p]["children"] == expected[p] for p in parents)
    assert stored == {p: sorted(cs) for p, cs in expected.items()}, "a child lost or extra"
    assert [kids[c]["schema"] for c in expected[parents[0]]] == ["invoice", "receipt", "invoice"]
    assert set(writes.values()) == {1}, "a final record was written twice, or never"


def test_cancel_and_delete_of_a_parent_take_its_children(settings, spawn, fake_server):
    """Extraction through a slow fake provider keeps children in flight long enough to cancel."""
    fake_server.reset()
    fake_server.config.latency_ms = 3000
    settings = settings.model_copy(update={
        "api_keys": f"split:{KEY}", "extraction_providers": "groq",
        "rate_limit_per_minute": 60000, "rate_limit_burst": 1000,
        "groq_api_key": "gsk-test-key-0123456789", "groq_base_url": fake_server.url,
        "provider_timeout_seconds": 20, "provider_max_retries": 0})
    make_topics(settings)
    port = free_port()
    spawn(settings, "worker")
    spawn(settings, "api", "--port", str(port))
    wait_http_ready(f"http://127.0.0.1:{port}/ready")
    store = redis.Redis.from_url(settings.redis_url)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers={"X-API-Key": KEY}) as client:
            def upload(pages: list) -> str:
                response = client.post("/v1/documents", data={"schema": "auto"}, files={
                    "file": ("mixed.pdf", _pdf(*pages), "application/pdf")})
                assert response.status_code == 202, response.text
                return response.json()["id"]

            # Cancel: while the children are extracting.
            doc = upload([docgen.invoice_en(), docgen.invoice_fr()])
            body = _until(client, doc, lambda b: len(b.get("children_status", [])) == 2)
            assert {c["status"] for c in body["children_status"]} <= {"queued", "extracting"}
            assert client.delete(f"/v1/documents/{doc}").status_code == 200
            children = body["children"]
            time.sleep(5)  # the slow extractions end meanwhile
            for cid in [doc, *children]:
                record = json.loads(store.hget(f"doc:{cid}", "json"))
                assert record["status"] == "cancelled", record
                assert store.keys(f"blob:{cid}:*") == []
            # Delete: a completed parent erases its children too.
            # A letter (`other`) completes at once; the invoice takes the provider's 3 s.
            done_doc = upload([LETTER, docgen.invoice_de()])
            events = _events(client, done_doc)  # the parent's stream follows its children
            final = events[-1]
            assert final["status"] == "completed" and final == wait_final(client, done_doc)
            progress = [sorted(c["status"] for c in e.get("children_status", [])) for e in events]
            assert ["completed", "extracting"] in progress or ["completed", "queued"] in progress
            assert [c["status"] for c in final["children_status"]] == ["completed"] * 2
            assert [c["schema"] for c in final["children_status"]] == ["other", "invoice"]
            letter = client.get(f"/v1/documents/{final['children'][0]}").json()
            assert letter["data"] is None and letter["page_range"] == [1, 1]
            assert client.delete(f"/v1/documents/{done_doc}").status_code == 200
            for cid in [done_doc, *final["children"]]:
                state = client.get(f"/v1/documents/{cid}").json()
                assert state["status"] == "cancelled" and not state["data"], state
                assert store.keys(f"blob:{cid}:*") == []
    finally:
        fake_server.config.latency_ms = 0


def _events(client: httpx.Client, doc_id: str) -> list[dict]:
    """The parent's server-sent `status` events, until its stream ends."""
    found = []
    with client.stream("GET", f"/v1/documents/{doc_id}/events", timeout=120) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                found.append(json.loads(line.removeprefix("data: ")))
    return found


def _until(client: httpx.Client, doc_id: str, ok, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        body = client.get(f"/v1/documents/{doc_id}").json()
        if ok(body):
            return body
        time.sleep(0.05)
    raise TimeoutError(f"{doc_id}: {body}")
