"""The floor for the ingest figure: a FastAPI endpoint that only reads the multipart body.

    uvicorn bench.bare_app:app --host 127.0.0.1 --port N
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

app = FastAPI(title="bare-upload", docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/v1/documents", status_code=202)
async def upload(request: Request) -> JSONResponse:
    form = await request.form()
    file = form.get("file")
    size = len(await file.read()) if isinstance(file, UploadFile) else 0
    await form.close()
    return JSONResponse({"id": uuid.uuid4().hex, "bytes": size}, status_code=202)
