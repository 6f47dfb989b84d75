"""Documents generated in code for the tests (nothing binary is committed)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pymupdf

from topics.admin import create_topics

INVOICE_LINES = [
    "ACME Widgets GmbH",
    "Hauptstrasse 1, 10115 Berlin",
    "",
    "Invoice Number: INV-1001",
    "Invoice Date: 14/03/2026",
    "Bill to: Example Customer Ltd",
    "",
    "Subtotal: 1,037.39 EUR",
    "VAT 19%: 197.11 EUR",
    "Total: 1,234.50 EUR",
]


def invoice_pdf(lines: list[str] | None = None, pages: int = 1) -> bytes:
    doc = pymupdf.open()
    for _ in range(pages):
        page = doc.new_page()
        y = 72
        for line in lines or INVOICE_LINES:
            page.insert_text((72, y), line, fontsize=11)
            y += 18
    return doc.tobytes()


def make_topics(settings) -> None:
    asyncio.run(create_topics(settings))


def wait_final(client: httpx.Client, doc_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        body = client.get(f"/v1/documents/{doc_id}").json()
        if body.get("status") in ("completed", "failed", "cancelled"):
            return body
        time.sleep(0.25)
    raise TimeoutError(f"{doc_id} not final after {timeout} s: {body}")
