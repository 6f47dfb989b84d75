"""The review studio in Chromium against the real stack: upload, follow, see, correct, approve."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import BACKLOG_KEY
from tests.browser.studio import (
    SPLIT_TITLES,
    EventStreams,
    drop_files,
    files,
    open_studio,
    seed_backlog,
    upload_split,
    wait_all,
)
from tests.browser.test_quality import serious

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
    assert result["review"]["state"] == "none"  # this clean invoice needs no review: said so
    expect(page.locator(".review-state")).to_have_text("version 1 · no review needed")
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
    open_studio(page, stack.base)
    parent, parts = upload_split(page, stack, tmp_path)
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
    # n: the document after the open one in the queue opens, titled as the queue titles it.
    names = queue.locator("button[data-doc-id]").evaluate_all(
        "bs => bs.map(b => [b.dataset.docId, b.querySelector('.doc-name').textContent])")
    at = [doc_id for doc_id, _ in names].index(first["id"])
    following = (names[at + 1:] + names[:at])[0][1]
    page.locator("body").focus()
    page.keyboard.press("n")
    expect(page.locator("#doc-view .toolbar h2")).to_have_text(following)
    assert console_errors == []


def test_a_split_document_opens_as_its_parts_and_the_queue_marks_the_open_one(
        stack, page: Page, console_errors, tmp_path, artifacts):
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    open_studio(page, stack.base)
    parent, parts = upload_split(page, stack, tmp_path)
    page.get_by_role("button", name="Refresh").click()  # the parts now wait: the list says so
    listed = page.locator(f'[data-testid=doc-item][data-doc-id="{parent}"]')
    expect(listed.locator(".note")).to_have_text("3 of 3 parts need review")
    listed.locator("button").click()
    view = page.locator("#doc-view")
    expect(view.locator(".toolbar h2")).to_have_text("scan.pdf")
    expect(view.locator(".review-state")).to_have_text("3 of 3 parts need review")
    shown = page.get_by_test_id("part-item")
    by_page = sorted(parts, key=lambda p: p["page_range"])
    expect(shown.locator(".doc-name")).to_have_text(
        [f"scan.pdf · {SPLIT_TITLES[tuple(p['page_range'])]}" for p in by_page])
    for part, button in zip(by_page, shown.all(), strict=True):
        expect(button).to_have_attribute("data-doc-id", part["id"])
        expect(button.locator(".doc-meta")).to_contain_text(part["schema"])
        expect(button.locator(".doc-meta")).to_contain_text(part["status"])
        expect(button.locator(".doc-meta")).to_contain_text(re.compile(r"needs review: \w+"))
    # The blank separator page is in no part, and the view says so instead of hiding it.
    expect(view.get_by_test_id("pages-left-out")).to_have_text(
        "Page 3 is in no part: it is blank, and a blank page separates two documents.")
    # Nothing to approve on the parent: no button, no field rows, and `a` sends nothing.
    expect(page.get_by_test_id("approve-button")).to_have_count(0)
    expect(view.locator("tr.field-row")).to_have_count(0)
    page.locator("body").focus()
    page.keyboard.press("a")
    page.screenshot(path=str(artifacts / "split-parent.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    view.screenshot(path=str(artifacts / "split-parent-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 720})

    # A part opens from the parent's list, and the queue marks it as the open one.
    receipt = next(p for p in parts if p["page_range"] == [4, 4])
    shown.filter(has_text="scan.pdf · p. 4").click()
    expect(view.locator(".toolbar h2")).to_have_text("scan.pdf · p. 4")
    # Its review is for its type, which no field row shows: the view says what to check.
    assert receipt["review"]["fields"] == ["schema"], receipt
    doubt = re.compile(r"that it is a receipt \(\d+% sure\)")
    expect(view.locator(".split-doubt")).to_contain_text(doubt)
    page.screenshot(path=str(artifacts / "split-part-doubt.png"))
    queue = page.get_by_test_id("review-queue")
    current = queue.locator(f'button[data-doc-id="{receipt["id"]}"]')
    expect(current).to_have_attribute("aria-current", "true")
    expect(queue.locator("button[aria-current=true]")).to_have_count(1)
    other = queue.locator(f'button[data-doc-id="{by_page[0]["id"]}"]')
    expect(other).to_have_attribute("aria-current", "false")
    look = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).boxShadow]"
    assert current.evaluate(look) != other.evaluate(look)  # seen, not only announced
    page.get_by_test_id("approve-button").click()
    expect(current).to_have_count(0)
    expect(listed.locator(".note")).to_have_text("2 of 3 parts need review")
    page.screenshot(path=str(artifacts / "split-part-open.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    view.locator(".toolbar").screenshot(path=str(artifacts / "split-part-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_test_id("parent-link").click()  # back from the part to its parent's list
    expect(view.locator(".toolbar h2")).to_have_text("scan.pdf")
    expect(listed.locator("button")).to_have_attribute("aria-current", "true")
    expect(shown.filter(has_text="p. 4").locator(".doc-meta")).to_contain_text("approved")
    expect(queue.locator("button[aria-current=true]")).to_have_count(0)
    assert [u for u in posts if u.endswith("/review")] == [
        f"{stack.base}/v1/documents/{receipt['id']}/review"], posts
    assert console_errors == []


def test_a_backlog_is_counted_scrolls_in_its_panel_and_loads_more(stack, backlog, page: Page,
                                                                  console_errors, artifacts):
    ids = seed_backlog(stack, 62)  # more than a page (50)
    page.set_viewport_size({"width": 1280, "height": 720})
    open_studio(page, stack.base, key=BACKLOG_KEY)
    queue = page.get_by_test_id("review-queue")
    entries = queue.locator("button[data-doc-id]")
    expect(page.locator("#queue-title")).to_have_text("Review queue · 62")
    expect(entries).to_have_count(50)
    expect(entries.first.locator(".doc-name")).to_have_text("backlog-01.pdf")
    # The list scrolls inside its panel, at most 60% of the window tall; the page stays short.
    box = queue.bounding_box()
    assert box and box["height"] <= 0.6 * 720 + 1, box
    assert queue.evaluate("q => q.scrollHeight > q.clientHeight + 1000")
    assert page.evaluate("document.documentElement.scrollHeight") < 2 * 720
    page.screenshot(path=str(artifacts / "queue-backlog.png"), full_page=True)
    assert serious(page) == []  # the scrolling list, the count and Load more included
    page.set_viewport_size({"width": 390, "height": 844})
    panel = page.locator("section", has=queue)
    panel.screenshot(path=str(artifacts / "queue-backlog-phone-more.png"))
    page.set_viewport_size({"width": 1280, "height": 720})

    more = page.get_by_role("button", name="Load more")
    more.click()
    expect(entries).to_have_count(62)
    expect(more).to_be_hidden()
    assert entries.evaluate_all("bs => bs.map(b => b.dataset.docId)") == ids
    expect(entries.nth(50)).to_be_focused()  # the first new one, scrolled into the list's view
    assert queue.evaluate("q => q.getBoundingClientRect().height") == box["height"]

    # The last one opens from the list and is marked; approved, it leaves and the rest stay.
    entries.last.click()
    expect(page.locator("#doc-view .toolbar h2")).to_have_text("backlog-62.pdf")
    expect(entries.last).to_have_attribute("aria-current", "true")
    page.get_by_test_id("approve-button").click()
    expect(page.locator("#queue-title")).to_have_text("Review queue · 61")
    expect(entries).to_have_count(61)  # a refresh keeps what was loaded
    expect(queue.locator(f'button[data-doc-id="{ids[-1]}"]')).to_have_count(0)
    assert queue.evaluate("q => q.scrollTop") > 1000  # the list kept its place
    # n: the queue's first, then its next; the open one is marked as it goes.
    page.locator("body").focus()
    page.keyboard.press("n")
    expect(page.locator("#doc-view .toolbar h2")).to_have_text("backlog-01.pdf")
    expect(entries.first).to_have_attribute("aria-current", "true")
    expect(queue.locator("button[aria-current=true]")).to_have_count(1)
    assert queue.evaluate("""q => {  // scrolled back up into the list's view
        const b = q.querySelector("[aria-current=true]").getBoundingClientRect();
        const r = q.getBoundingClientRect();
        return b.top >= r.top && b.bottom <= r.bottom; }""")
    page.locator("body").focus()
    page.keyboard.press("n")
    expect(page.locator("#doc-view .toolbar h2")).to_have_text("backlog-02.pdf")
    expect(entries.nth(1)).to_have_attribute("aria-current", "true")
    page.locator("body").focus()  # onwards, not back to the first one skipped
    page.keyboard.press("n")
    expect(page.locator("#doc-view .toolbar h2")).to_have_text("backlog-03.pdf")

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert queue.evaluate("q => q.getBoundingClientRect().height") <= 0.5 * 844 + 1
    panel.screenshot(path=str(artifacts / "queue-backlog-phone.png"))
    assert console_errors == []
