"""A phone-width scanned receipt, accessibility (axe-core), why a field needs review, an error
file, and /docs offline."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import KEY
from tests.browser.studio import SAMPLES, fresh_copy, open_studio, wait_all

pytestmark = pytest.mark.integration


def serious(page: Page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in found
            if v.get("impact") in ("serious", "critical")]


def test_receipt_on_a_phone_is_accessible(stack, browser: Browser, tmp_path, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_studio(page, stack.base)
    assert serious(page) == []  # the empty studio
    receipt = fresh_copy(sorted((SAMPLES / "receipts").glob("*.jpg"))[0], tmp_path)
    page.get_by_test_id("schema-select").select_option("receipt")
    page.get_by_test_id("upload-input").set_input_files(str(receipt))
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_all(page, 1)
    page.get_by_test_id("doc-item").get_by_role("button").click()
    expect(page.get_by_test_id("page-image")).to_have_count(1)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=page-image]').naturalWidth > 0")
    expect(page.get_by_test_id("field-row").first).to_be_visible()
    # Reflowed: nothing wider than the phone (line items become cards), the image fits.
    expect(page.locator(".items td[data-label=amount]").first).to_be_visible()
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 391)
        .slice(0, 5).map((e) => `${e.tagName}.${e.className}`)""")
    assert wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.get_by_test_id("page-image").bounding_box()["width"] <= 390
    page.screenshot(path=str(artifacts / "phone.png"), full_page=True)
    assert serious(page) == []  # the document view, fields and boxes included
    assert errors == []
    context.close()


def test_a_scanned_total_no_sum_confirms_says_why_it_needs_review(stack, page: Page, tmp_path,
                                                                  artifacts):
    # sroie_train_087's item is read with its unit price (its amount is glued to "SRS"), so the
    # items do not add up, and it was paid by card (no cash or change): nothing confirms it
    receipt = fresh_copy(SAMPLES / "receipts" / "sroie_train_087.jpg", tmp_path)
    open_studio(page, stack.base)
    page.get_by_test_id("schema-select").select_option("receipt")
    page.get_by_test_id("upload-input").set_input_files(str(receipt))
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_all(page, 1)
    page.get_by_test_id("doc-item").get_by_role("button").click()
    total = page.locator("[data-testid=field-row][data-field=total]")
    expect(total).to_contain_text("needs review")
    expect(total.locator(".flag-why")).to_have_text(
        "read from a scan; no sum on the page confirms it")
    page.screenshot(path=str(artifacts / "review-why.png"), full_page=True)


def test_error_file_is_shown_clearly(stack, page: Page, tmp_path, artifacts):
    with stack.client() as client:  # the tenant's own schema is offered too
        client.put("/v1/schemas/purchase_order", json={
            "description": "A purchase order", "fields": {"po_number": {"type": "string"}}})
    open_studio(page, stack.base)
    expect(page.get_by_test_id("schema-select").locator("option[value=purchase_order]")
           ).to_have_count(1)
    bad = tmp_path / "notes.pdf"
    bad.write_text("this is not a PDF at all, just text pretending\n" * 20)
    page.get_by_test_id("upload-input").set_input_files(str(bad))
    page.get_by_role("button", name="Upload", exact=True).click()
    item = page.get_by_test_id("doc-item")
    expect(item).to_have_attribute("data-status", "error")
    expect(item).to_contain_text("unsupported_media_type")
    expect(item.locator(".error-text")).to_be_visible()
    assert item.get_attribute("data-doc-id") == ""
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    page.screenshot(path=str(artifacts / "error-file.png"))


def test_docs_render_offline(stack, page: Page, console_errors, artifacts):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(stack.base + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("ai-doc-extractor")
    expect(page.locator(".opblock-summary-path", has_text="/v1/reviews")).to_have_count(1)
    page.screenshot(path=str(artifacts / "docs.png"))
    assert all(url.startswith(stack.base) for url in requests), requests  # nothing from a CDN
    assert console_errors == []
    page.goto(stack.base + "/")
    assert json.dumps(KEY) not in page.content()  # the key lives in sessionStorage only
