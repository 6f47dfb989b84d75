"""API keys: only their SHA-256 hashes are kept, compared in constant time, never logged."""

from __future__ import annotations

import hashlib
import hmac

from config.errors import Unauthorized

DEV_TENANT = "dev"


class KeyRing:
    def __init__(self, key_hashes: dict[str, str], allow_anonymous: bool) -> None:
        self._hashes = list(key_hashes.items())  # (sha256 hex, tenant)
        self.allow_anonymous = allow_anonymous

    def tenant_for(self, key: str | None) -> str:
        if not key:
            if self.allow_anonymous:
                return DEV_TENANT
            raise Unauthorized("missing X-API-Key header")
        digest = hashlib.sha256(key.encode()).hexdigest()
        tenant = None
        for known, owner in self._hashes:  # visit every entry: timing says nothing about position
            if hmac.compare_digest(known, digest):
                tenant = owner
        if tenant is None:
            raise Unauthorized("invalid API key")
        return tenant

    @staticmethod
    def key_id(key: str | None) -> str:
        """A short, non-reversible handle for a key (rate-limit buckets, logs)."""
        return hashlib.sha256((key or "anonymous").encode()).hexdigest()[:16]
