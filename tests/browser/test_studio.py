"""The review studio in Chromium against the real stack: upload, follow, see, correct, approve."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.studio import (
    SPLIT_TITLES,
    EventStreams,
    drop_files,
    files,
    flag_split,
    open_studio,
    split_pdf,
    wait_all,
)
from tests.helpers import wait_final

pytestmark = pytest.mark.integration


def test_upload_follow_and_view(stack, page: Page, console_errors, tmp_path, artifacts):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    streams = EventStreams(page)
    open_studio(page, stack.base)
    dropped = files(tmp_path, 2, prefix="dropped")
    drop_files(page, dropped)
    expect(page.locator("#selected")).to_contain_text("2 files chosen")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    picked = files(tmp_path, 2, prefix="picked")
    page.get_by_test_id("upload-input").set_input_files([str(p) for p in picked])
    page.get_by_role("button", name="Upload", exact=True).click()  # enabled once the batch is in
    wait_all(page, 4)
    ids = page.get_by_test_id("doc-item").evaluate_all("els => els.map(e => e.dataset.docId)")
    assert len(set(ids)) == 4 and all(ids), ids
    # One follower per document (it may reconnect, never run twice) and one upload per file.
    assert set(streams.opened) == set(ids) and not streams.overlaps, streams.overlaps
    assert sum(url.endswith("/v1/documents") for url in requests) == 4
    page.screenshot(path=str(artifacts / "list.png"), full_page=True)

    item = page.locator('[data-testid=doc-item]', has_text="picked-1.pdf")
    item.get_by_role("button").click()
    doc_id = item.get_attribute("data-doc-id")
    with stack.client() as client:
        result = client.get(f"/v1/documents/{doc_id}").json()
    expect(page.get_by_test_id("page-image")).to_have_count(result["pages"])
    expect(page.get_by_test_id("page-image").first).to_have_js_property("complete", True)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=page-image]').naturalWidth > 0")
    # Every cited value has its box, where the citation says, and a row with its value.
    for field, cites in result["citations"].items():
        boxes = page.locator(f'[data-testid=citation-box][data-field="{field}"]')
        expect(boxes).to_have_count(len(cites))
        img = page.get_by_test_id("page-image").nth(cites[0]["page"] - 1).bounding_box()
        got = boxes.first.bounding_box()
        x0, y0, x1, y1 = cites[0]["bbox"]
        assert abs(got["x"] - (img["x"] + x0 * img["width"])) < 3, (field, got, img)
        assert abs(got["y"] - (img["y"] + y0 * img["height"])) < 3, (field, got, img)
        assert abs(got["width"] - (x1 - x0) * img["width"]) < 4, (field, got, img)
    for field, value in result["data"].items():
        if isinstance(value, list | dict) or value is None:
            continue
        row = page.locator(f'[data-testid=field-row][data-field="{field}"]')
        expect(row.get_by_test_id("field-value")).to_have_text(str(value))
        conf = result["confidence"].get(field)
        if conf is not None:
            expect(row.get_by_test_id("field-confidence")).to_have_text(f"{conf:.2f}")
    # Hovering a row lights its box; clicking a box selects its row.
    row = page.locator('[data-testid=field-row][data-field="total"]')
    row.hover()
    expect(page.locator('[data-testid=citation-box][data-field="total"]').first).to_have_class(
        re.compile(r"\bhi\b"))
    page.screenshot(path=str(artifacts / "document.png"), full_page=True)
    page.locator('[data-testid=citation-box][data-field="invoice_number"]').first.click()
    expect(page.locator('[data-testid=field-row][data-field="invoice_number"]')).to_be_focused()
    # Download JSON gives the result as the API does.
    with page.expect_download() as download:
        page.get_by_test_id("download-json").click()
    saved = json.loads(Path(download.value.path()).read_text())
    assert saved["id"] == doc_id and saved["data"] == result["data"]
    # With the mouse: Edit, type, then Approve straight away (the edit is kept on the way).
    vendor = page.locator('[data-testid=field-row][data-field="vendor"]')
    vendor.get_by_role("button", name="Edit vendor").click()
    vendor.get_by_test_id("field-value").fill("ACME Widgets GmbH (corrected)")
    page.get_by_test_id("approve-button").click()
    expect(page.locator(".review-state")).to_have_text("version 2 · review: corrected")
    expect(vendor.get_by_test_id("field-value")).to_have_text("ACME Widgets GmbH (corrected)")
    expect(vendor.get_by_test_id("field-confidence")).to_have_text("1.00")
    # n: the next document (the queue's first, else the list's next) opens in the view.
    page.locator("body").focus()
    page.keyboard.press("n")
    expect(page.locator("#doc-view .toolbar h2")).not_to_have_text("picked-1.pdf")
    assert console_errors == []


def test_the_queue_shows_a_split_documents_parts_by_file_and_pages(stack, page: Page,
                                                                    console_errors, tmp_path,
                                                                    artifacts):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(split_pdf())
    open_studio(page, stack.base)
    page.get_by_test_id("schema-select").select_option("auto")
    page.get_by_test_id("upload-input").set_input_files([str(scan)])
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_all(page, 1, timeout=90_000)
    parent = page.get_by_test_id("doc-item").get_attribute("data-doc-id")
    with stack.client() as client:
        parts = flag_split(stack.settings, wait_final(client, parent))
    page.get_by_role("button", name="Refresh").click()
    queue = page.get_by_test_id("review-queue")
    # The queue is the tenant's (earlier tests' documents too): this upload's are its parts.
    expect(queue.locator(f'button[data-doc-id^="{parent}"]')).to_have_count(len(parts))
    expect(queue.locator(f'button[data-doc-id="{parent}"]')).to_have_count(0)
    for part in parts:
        title = f"scan.pdf · {SPLIT_TITLES[tuple(part['page_range'])]}"
        expect(queue.locator(f'button[data-doc-id="{part["id"]}"] .doc-name')).to_have_text(title)
    queue.screenshot(path=str(artifacts / "queue-split.png"))

    # Opened from the queue: the view and the document list title it the same way.
    first = next(p for p in parts if p["page_range"] == [1, 2])
    queue.locator(f'button[data-doc-id="{first["id"]}"]').click()
    expect(page.locator("#doc-view .toolbar h2")).to_have_text("scan.pdf · pages 1–2")
    listed = page.locator(f'[data-testid=doc-item][data-doc-id="{first["id"]}"] .doc-name')
    expect(listed).to_have_text("scan.pdf · pages 1–2")
    expect(page.get_by_test_id("page-image")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_test_id("download-json").click()
    assert download.value.suggested_filename == "scan-p1-2.json"
    page.screenshot(path=str(artifacts / "queue-split-part.png"), full_page=True)
    # n: the queue's first other document opens, titled as the queue titles it.
    names = queue.locator("button[data-doc-id]").evaluate_all(
        "bs => bs.map(b => [b.dataset.docId, b.querySelector('.doc-name').textContent])")
    following = next(name for doc_id, name in names if doc_id != first["id"])
    page.locator("body").focus()
    page.keyboard.press("n")
    expect(page.locator("#doc-view .toolbar h2")).to_have_text(following)
    assert console_errors == []
