"""Correct and approve in the browser: a new version in the store, on documents.results and in
the metrics; the review queue; the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.studio import MISMATCH, files, flag_for_review, in_thread, open_studio, wait_all
from tests.browser.test_quality import serious
from topics import catalogue
from topics.models import Result

pytestmark = pytest.mark.integration


async def _published_versions(settings, doc_id: str) -> list[int]:
    from aiokafka import AIOKafkaConsumer

    topic = catalogue.name(catalogue.RESULTS, settings.topic_prefix)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka_bootstrap_servers,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=3000)
        return [Result.model_validate_json(m.value).version for msgs in batches.values()
                for m in msgs if m.key == doc_id.encode()]
    finally:
        await consumer.stop()


def counter(metrics: str, series: str) -> float:
    """A counter's value in a /metrics text; 0 before its first count."""
    found = re.search(rf"^{re.escape(series)} (\S+)$", metrics, re.M)
    return float(found.group(1)) if found else 0.0


def test_correct_and_approve_from_the_queue(stack, page: Page, console_errors, tmp_path,
                                            artifacts):
    open_studio(page, stack.base)
    page.get_by_test_id("upload-input").set_input_files(
        [str(p) for p in files(tmp_path, 1, MISMATCH, prefix="mismatch")])
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_all(page, 1)
    doc_id = page.get_by_test_id("doc-item").get_attribute("data-doc-id")
    flag_for_review(stack.settings, doc_id)
    with stack.client() as client:  # other tests' reviews count on the same API
        before = client.get("/metrics").text

    queue = page.get_by_test_id("review-queue")
    page.get_by_role("button", name="Refresh").click()
    entry = queue.locator(f'button[data-doc-id="{doc_id}"]')
    expect(entry).to_contain_text("mismatch-1.pdf")
    expect(entry).to_contain_text(re.compile(r"to review: .*total"))  # fields, not a check
    entry.click()
    total = page.locator('[data-testid=field-row][data-field="total"]')
    expect(total.get_by_text("needs review")).to_be_visible()

    # Keyboard only: j moves between fields, e edits, Enter keeps, a approves.
    page.locator('[data-testid=field-row]').first.focus()
    page.keyboard.press("j")
    expect(page.locator('[data-testid=field-row]').nth(1)).to_be_focused()
    date = page.locator('[data-testid=field-row][data-field="date"]')
    date.focus()
    page.keyboard.press("e")
    date.get_by_test_id("field-value").fill("14 March")
    page.keyboard.press("Enter")
    page.keyboard.press("a")
    expect(date.get_by_role("alert")).to_contain_text("YYYY-MM-DD")  # the API's 422, by field
    # ... and said beside the toolbar that was used, not in the upload form
    expect(page.get_by_test_id("view-status")).to_contain_text("Not saved")
    expect(page.locator("#announce")).not_to_contain_text("Not saved")
    date.focus()
    page.keyboard.press("e")
    date.get_by_test_id("field-value").fill("2026-03-14")
    page.keyboard.press("Enter")
    total.focus()
    page.keyboard.press("e")
    expect(total.get_by_test_id("field-value")).to_have_value("129.00")
    total.get_by_test_id("field-value").fill("119.00")
    page.keyboard.press("Enter")
    expect(total).to_have_class(re.compile(r"\bedited\b"))
    page.screenshot(path=str(artifacts / "review-edit.png"), full_page=True)
    page.keyboard.press("a")
    expect(page.locator(".review-state")).to_have_text("version 2 · review: corrected")
    expect(page.get_by_test_id("view-status")).to_have_text("Approved: version 2, corrected")
    expect(total.get_by_test_id("field-value")).to_have_text("119.00")
    expect(queue.locator(f'button[data-doc-id="{doc_id}"]')).to_have_count(0)
    page.screenshot(path=str(artifacts / "review-approved.png"), full_page=True)
    assert serious(page) == []  # the desktop document view after a review, checks included

    with stack.client() as client:
        result = client.get(f"/v1/documents/{doc_id}").json()
        pending = client.get("/v1/reviews", params={"state": "pending"}).json()
        metrics = client.get("/metrics").text
    assert result["version"] == 2 and result["review"]["state"] == "corrected"
    assert result["data"]["total"] == "119.00" and result["data"]["date"] == "2026-03-14"
    assert result["confidence"]["total"] == 1.0
    assert doc_id not in [item["id"] for item in pending["items"]]
    for series in ('review_fields_corrected_total{field="total",schema="invoice"}',
                   'review_fields_approved_total{field="vendor",schema="invoice"}'):
        assert counter(metrics, series) == counter(before, series) + 1, series
    assert 2 in in_thread(_published_versions, stack.settings, doc_id)
    audit = [line for line in stack.api.log.read_text().splitlines()
             if "review.audit" in line and doc_id in line]
    assert len(audit) == 1 and "fields_changed=['total']" in audit[0], audit
    assert "119.00" not in audit[0] and "studio-key" not in audit[0]
    assert [e for e in console_errors if "422" not in e] == []  # the refused date, on purpose
