"""The page through an API killed and restarted mid-upload and mid-follow, and a rate limit."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.studio import SAMPLES, files, fresh_copy, open_studio, wait_all

pytestmark = pytest.mark.integration
NETWORK_NOISE = re.compile(r"Failed to load resource|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE"
                           r"|status of (429|503)")


def test_api_killed_mid_upload_and_follow(stack, page: Page, console_errors, tmp_path,
                                          artifacts):
    api, base = stack.extra["killable"]
    open_studio(page, base)
    uploads: list[str] = []

    def kill_on_second_upload(route):
        """The API dies just as the second file leaves (the first is being followed)."""
        uploads.append(route.request.url)
        if len(uploads) == 2:
            api.kill()  # SIGKILL: this upload and the first document's event stream break off
        route.continue_()  # to the real (now dead) API: nothing is answered for it

    page.route("**/v1/documents", kill_on_second_upload)
    receipt = fresh_copy(sorted((SAMPLES / "receipts").glob("*.jpg"))[1], tmp_path)
    chosen = [str(receipt), *map(str, files(tmp_path, 3, prefix="outage"))]
    page.get_by_test_id("upload-input").set_input_files(chosen)
    page.get_by_role("button", name="Upload", exact=True).click()
    items = page.get_by_test_id("doc-item")
    expect(items.filter(has_text=receipt.name)).to_contain_text(  # mid-follow
        "reconnecting", timeout=20_000)
    expect(items.filter(has_text="outage-1.pdf")).to_have_attribute(  # mid-upload
        "data-status", "waiting")
    time.sleep(2)
    api.start()
    wait_all(page, 4, timeout=60_000)
    ids = page.get_by_test_id("doc-item").evaluate_all("els => els.map(e => e.dataset.docId)")
    assert len(set(ids)) == 4 and all(ids), ids
    page.screenshot(path=str(artifacts / "after-outage.png"), full_page=True)
    # A reload keeps every known document (the ids live in the session).
    page.reload()
    wait_all(page, 4)
    assert [e for e in console_errors if not NETWORK_NOISE.search(e)] == []


def test_rate_limit_is_waited_out(stack, page: Page, console_errors, tmp_path):
    api, base = stack.extra["limited"]  # 3 requests at once, then one a second
    open_studio(page, base)
    page.get_by_test_id("upload-input").set_input_files(
        [str(p) for p in files(tmp_path, 5, prefix="limited")])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_test_id("doc-item").filter(has_text="rate limited").first).to_be_visible()
    wait_all(page, 5, timeout=60_000)
    limited = [line for line in api.log.read_text().splitlines()
               if "http.access" in line and "status=429" in line]
    accepted = [line for line in api.log.read_text().splitlines()
                if "http.access" in line and "status=202" in line]
    assert limited, "the test never met the rate limit"
    assert len(accepted) == 5  # each file once: no duplicate uploads
    # Waiting Retry-After, one request at a time, not a loop (refused hundreds of times here)
    # nor a herd of waiters waking together (refused about twice a second: 21 before pacing).
    assert len(limited) <= 8, len(limited)
    assert [e for e in console_errors if not NETWORK_NOISE.search(e)] == []
