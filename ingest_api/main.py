"""ASGI entry point: `uvicorn --factory ingest_api.main:build` builds the app from settings."""

from fastapi import FastAPI

from config.settings import get_settings
from ingest_api.app import create_app


def build() -> FastAPI:
    return create_app(get_settings())
