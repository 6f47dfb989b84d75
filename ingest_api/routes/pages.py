"""The review studio (`/` and its static files), page previews, and `/docs` served offline."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from swagger_ui_bundle import swagger_ui_path

from config.errors import NotFound
from ingest_api.deps import DocumentDep, EdgeDep
from ingest_api.openapi import ERRORS
from stores.reviews import ReviewStore
from topics.models import Result, Status, utcnow

router = APIRouter()
STATIC = Path(__file__).resolve().parent.parent / "static"
SWAGGER = Path(str(swagger_ui_path))
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}\.(js|css|svg|png|html)$")
TYPES = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml",
         "png": "image/png", "html": "text/html; charset=utf-8"}
SWAGGER_FILES = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"}
# Revalidated on every load (a tiny 304): a new release is never mixed with a cached old module.
FRESH = {"Cache-Control": "no-cache"}
PREVIEW_WAIT_S = 3.0


def _just_done(doc: Result, page: int) -> bool:
    recent = doc.completed_at is not None and utcnow() - doc.completed_at < timedelta(seconds=60)
    return doc.status is Status.completed and recent and page <= (doc.pages or 0)


def _file(folder: Path, name: str) -> FileResponse:
    path = folder / name
    if not NAME_RE.match(name) or not path.is_file():
        raise NotFound(f"{name!r} not found")
    return FileResponse(path, media_type=TYPES[name.rsplit(".", 1)[1]], headers=FRESH)


@router.get("/", include_in_schema=False)
async def studio() -> FileResponse:
    return _file(STATIC, "index.html")


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    return _file(STATIC, name)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    return _file(STATIC, "favicon.svg")


@router.get("/docs", include_in_schema=False)
async def docs() -> FileResponse:
    return _file(STATIC, "docs.html")


@router.get("/docs/assets/{name}", include_in_schema=False)
async def docs_assets(name: str) -> FileResponse:
    if name not in SWAGGER_FILES:
        raise NotFound(f"{name!r} not found")
    return _file(SWAGGER, name)


@router.get("/v1/documents/{doc_id}/pages/{n}", tags=["reviews"],
            responses={200: {"content": {"image/jpeg": {}}}, **ERRORS(401, 404, 429, 503)},
            response_class=Response)
async def page_image(doc: DocumentDep, edge: EdgeDep,
                     n: int = PathParam(ge=1, le=10_000, description="page number, 1-based"),
                     ) -> Response:
    """Page `n` as a JPEG preview, for anyone on the tenant, while the result is retained."""
    reviews = ReviewStore(edge.redis, edge.settings.result_ttl_seconds)
    data = await reviews.page(doc, n)
    # The worker stores previews just after the pipeline's first stage, off the result's path:
    # a page asked for right at completion may be a moment away.
    deadline = time.monotonic() + PREVIEW_WAIT_S
    while data is None and _just_done(doc, n) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        data = await reviews.page(doc, n)
    if data is None:
        raise NotFound(f"no preview of page {n} of document {doc.id!r}")
    return Response(data, media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=300"})
