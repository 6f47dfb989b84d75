"""The routes behind the studio, over HTTP against the real stack: previews, queue, review."""

from __future__ import annotations

import time

import pytest
import redis

from tests.browser.conftest import BACKLOG_KEY, OTHER_KEY
from tests.browser.studio import (
    MISMATCH,
    SPLIT_TITLES,
    flag_for_review,
    flag_split,
    seed_backlog,
    split_pdf,
)
from tests.helpers import invoice_pdf, wait_final
from tests.streams import docgen

pytestmark = pytest.mark.integration


def test_previews_queue_review_and_erasure(stack):
    r = redis.Redis.from_url(stack.settings.redis_url)
    ttl = stack.settings.result_ttl_seconds
    with stack.client() as client, stack.client(key=OTHER_KEY) as other:
        accepted = client.post("/v1/documents", data={"schema": "invoice"}, files={
            "file": ("sums.pdf", invoice_pdf(MISMATCH, pages=2), "application/pdf")}).json()
        doc_id = accepted["id"]
        assert wait_final(client, doc_id, timeout=60)["status"] == "completed"
        flag_for_review(stack.settings, doc_id)

        # Previews of both pages outlive the store agent's erasing of the source bytes.
        for n in (1, 2):
            page = client.get(f"/v1/documents/{doc_id}/pages/{n}")
            assert page.status_code == 200, page.text
            assert page.headers["content-type"] == "image/jpeg"
            assert page.content[:2] == b"\xff\xd8"
        assert client.get(f"/v1/documents/{doc_id}/pages/3").status_code == 404
        assert r.keys(f"blob:{doc_id}:*") == []
        # Pending review: the record and its previews are held past RESULT_TTL_SECONDS.
        assert r.ttl(f"preview:{doc_id}") > ttl and r.ttl(f"doc:{doc_id}") > ttl

        queue = client.get("/v1/reviews", params={"state": "pending"}).json()["items"]
        mine = [item for item in queue if item["id"] == doc_id]
        assert mine and mine[0]["filename"] == "sums.pdf" and mine[0]["schema"] == "invoice"
        assert mine[0]["title"] == "sums.pdf" and mine[0]["parent_id"] is None
        assert mine[0]["page_range"] is None
        assert "total" in mine[0]["fields"]
        # Another tenant sees neither the queue entry nor the pages.
        assert doc_id not in [i["id"] for i in other.get("/v1/reviews").json()["items"]]
        assert other.get(f"/v1/documents/{doc_id}/pages/1").status_code == 404
        assert client.get("/v1/reviews", params={"state": "done"}).status_code == 422

        url = f"/v1/documents/{doc_id}/review"
        for body, field in (({"data": {"total": "12,00"}}, "total"),
                            ({"data": {"date": "2026-02-30"}}, "date"),
                            ({"data": {"currency": "euro"}}, "currency"),
                            ({"data": {"colour": "red"}}, "colour"),
                            ({"data": {"line_items": [{"amount": "x"}]}}, "line_items")):
            refused = client.post(url, json=body)
            assert refused.status_code == 422, body
            error = refused.json()["error"]
            assert error["code"] == "invalid_request" and field in error["fields"], error
        assert client.post(url, json={"data": {}, "approve": True, "x": 1}).status_code == 422
        assert client.get(f"/v1/documents/{doc_id}").json()["version"] == 1  # nothing stored

        approved = client.post(url, json={"data": {}, "approve": True})
        assert approved.status_code == 200, approved.text
        body = approved.json()
        assert body["version"] == 2 and body["review"]["state"] == "approved"
        assert doc_id not in [i["id"] for i in client.get("/v1/reviews").json()["items"]]
        # Reviewed: back to RESULT_TTL_SECONDS from now.
        assert 0 < r.ttl(f"preview:{doc_id}") <= ttl and 0 < r.ttl(f"doc:{doc_id}") <= ttl
        again = client.post(url, json={"data": {"total": "119.00"}}).json()
        assert again["version"] == 3 and again["review"]["state"] == "corrected"

        assert client.delete(f"/v1/documents/{doc_id}").status_code == 200
        assert client.get(f"/v1/documents/{doc_id}/pages/1").status_code == 404
        assert r.exists(f"preview:{doc_id}") == 0
        assert client.post(url, json={"data": {}}).status_code in (404, 422)


def test_a_split_part_shows_its_parents_pages(stack):
    pdf = docgen.make_pdf(docgen.invoice_en(), docgen.invoice_de(), docgen.receipt())
    with stack.client() as client:
        parent = client.post("/v1/documents", data={"schema": "auto"},
                             files={"file": ("mixed.pdf", pdf, "application/pdf")}).json()["id"]
        done = wait_final(client, parent, timeout=90)
        assert done["status"] == "completed" and len(done["children_status"]) >= 2, done
        pages = {n: client.get(f"/v1/documents/{parent}/pages/{n}").content for n in (1, 2, 3)}
        assert len(set(pages.values())) == 3 and all(p[:2] == b"\xff\xd8" for p in pages.values())
        for child in done["children_status"]:
            first, last = child["page_range"]
            for n in range(1, last - first + 2):
                got = client.get(f"/v1/documents/{child['id']}/pages/{n}")
                assert got.status_code == 200 and got.content == pages[first + n - 1], child
            beyond = client.get(f"/v1/documents/{child['id']}/pages/{last - first + 2}")
            assert beyond.status_code == 404


def test_the_queue_lists_a_split_documents_parts_by_file_and_pages_never_the_parent(stack):
    r = redis.Redis.from_url(stack.settings.redis_url)
    with stack.client() as client:
        parent = client.post("/v1/documents", data={"schema": "auto"},
                             files={"file": ("scan.pdf", split_pdf(), "application/pdf")}).json()
        done = wait_final(client, parent["id"], timeout=90)
        assert done["status"] == "completed", done
        parts = flag_split(stack.settings, done)
        key = next(k for k in r.scan_iter("reviews:*") if r.zscore(k, parts[0]["id"]))
        assert r.zscore(key, parent["id"]) is None  # flagged, yet never queued
        queue = {i["id"]: i for i in client.get("/v1/reviews").json()["items"]}
        assert parent["id"] not in queue
        # The parent's record says what each part waits for (the studio's parent view shows it).
        status = client.get(f"/v1/documents/{parent['id']}").json()["children_status"]
        assert [c["review"]["state"] for c in status] == ["pending"] * 3, status
        assert all(c["review"]["fields"] for c in status), status  # "total" or, if weak, "schema"
        for part in parts:
            item = queue[part["id"]]
            first, last = part["page_range"]
            assert item["parent_id"] == parent["id"] and item["page_range"] == [first, last]
            assert item["filename"] == "scan.pdf" and item["schema"] == part["schema"]
            assert item["title"] == f"scan.pdf · {SPLIT_TITLES[first, last]}", item
        # A parent an older API queued is dropped by the first reader, not shown.
        r.zadd(key, {parent["id"]: time.time()})
        assert parent["id"] not in [i["id"] for i in client.get("/v1/reviews").json()["items"]]
        assert r.zscore(key, parent["id"]) is None
        # The parent waits while any part does; approving the last part approves it.
        for n, part in enumerate(parts, start=1):
            assert client.post(f"/v1/documents/{part['id']}/review", json={}).status_code == 200
            now = client.get(f"/v1/documents/{parent['id']}").json()
            assert now["review"]["state"] == ("approved" if n == len(parts) else "pending"), now
        assert now["version"] == done["version"] + 1  # a new version for consumers


def test_the_queue_pages_oldest_first_with_its_total(stack, backlog):
    r = redis.Redis.from_url(stack.settings.redis_url)
    ids = seed_backlog(stack, 53)
    with stack.client(key=BACKLOG_KEY) as client:

        first = client.get("/v1/reviews").json()  # as clients that do not page ask
        assert first["total"] == 53 and [i["id"] for i in first["items"]] == ids[:50]
        assert first["items"][0]["title"] == "backlog-01.pdf" and first["next_cursor"]
        rest = client.get("/v1/reviews", params={"cursor": first["next_cursor"]}).json()
        assert [i["id"] for i in rest["items"]] == ids[50:] and rest["next_cursor"] is None
        whole = client.get("/v1/reviews", params={"limit": 200}).json()
        assert [i["id"] for i in whole["items"]] == ids and whole["next_cursor"] is None

        # Paging while people review: nothing skipped, nothing twice; an expired entry is
        # skipped (and forgotten) and the page still full.
        page = client.get("/v1/reviews", params={"limit": 20}).json()
        assert [i["id"] for i in page["items"]] == ids[:20]
        for doc_id in ids[:2]:
            url = f"/v1/documents/{doc_id}/review"
            assert client.post(url, json={"data": {}, "approve": True}).status_code == 200
        r.delete(f"doc:{ids[25]}")
        seen = [i["id"] for i in page["items"]]
        while page["next_cursor"]:
            page = client.get("/v1/reviews", params={"limit": 20,
                                                     "cursor": page["next_cursor"]}).json()
            assert len(page["items"]) == 20 or page["next_cursor"] is None, page
            seen += [i["id"] for i in page["items"]]
        assert seen == ids[:25] + ids[26:]
        assert page["total"] == 50 and r.zscore(f"reviews:{backlog}", ids[25]) is None
        assert client.get("/v1/reviews").json()["total"] == 50

        for params in ({"limit": 0}, {"limit": 201}, {"limit": "x"}, {"cursor": "a b"},
                       {"cursor": "Zm9v"}, {"cursor": "x" * 201}, {"cursor": "bmFuIGFiYw"}):
            refused = client.get("/v1/reviews", params=params)
            assert refused.status_code == 422, (params, refused.text)
            error = refused.json()["error"]
            assert error["code"] == "invalid_request" and error["request_id"], error
            assert next(iter(params)) in error["message"], error
