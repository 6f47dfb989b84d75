"""The extract stage's blob reads: listed page images, unlisted ones, missing ones."""

from __future__ import annotations

import asyncio
import io
import uuid

import pytest
from PIL import Image
from redis.asyncio import Redis

from config.schemas import BUILTIN
from stores.blobs import RedisBlobStore, image_key, pages_key
from streams.agents.preprocess import PAGES
from streams.document import Page
from tests.helpers import make_topics, produce, wait_records
from topics import catalogue
from topics.codec import encode
from topics.models import Prepared, utcnow

pytestmark = pytest.mark.integration


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, "JPEG")
    return out.getvalue()


def _prepared(settings, *, listed: bool, stored: bool) -> str:
    """A scanned one-page document as preprocess leaves it; returns its id."""
    doc_id = f"blobs-{uuid.uuid4().hex[:8]}"
    image = image_key(doc_id, 1)
    page = Page(number=1, width=64, height=48, source="image", image_blob=image)
    blobs = {pages_key(doc_id): PAGES.dump_json([page])} | ({image: _jpeg()} if stored else {})

    async def put() -> None:
        redis = Redis.from_url(settings.redis_url)
        try:
            await RedisBlobStore(redis).put(doc_id, blobs, 600)
        finally:
            await redis.aclose()

    asyncio.run(put())
    prepared = Prepared(id=doc_id, schema="invoice", schema_def=BUILTIN["invoice"],
                        filename="scan.jpg", content_type="image/jpeg",
                        pages_blob=pages_key(doc_id), image_blobs=[image] if listed else [],
                        page_count=1, submitted_at=utcnow())
    produce(settings, catalogue.PREPARED, [(doc_id.encode(), encode(prepared), {})])
    return doc_id


def test_page_images_are_read_whether_or_not_the_message_lists_them(settings, spawn):
    """Listed images come with the pages in one read; a message from before `image_blobs`
    (images named only in the pages blob) still gets its images."""
    make_topics(settings)
    ids = [_prepared(settings, listed=True, stored=True),
           _prepared(settings, listed=False, stored=True)]
    spawn(settings, "worker")
    records = wait_records(settings.redis_url, ids, timeout=120)
    assert [records[i]["status"] for i in ids] == ["completed", "completed"]


def test_a_missing_page_image_fails_the_document(settings, spawn):
    make_topics(settings)
    ids = [_prepared(settings, listed=True, stored=False),
           _prepared(settings, listed=False, stored=False)]
    spawn(settings, "worker")
    records = wait_records(settings.redis_url, ids, timeout=120)
    assert [(records[i]["status"], records[i]["error"]["code"]) for i in ids] == \
        [("failed", "blob_missing")] * 2
