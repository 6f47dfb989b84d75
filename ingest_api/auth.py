"""API keys and client identities.

API keys: only their SHA-256 hashes are kept, compared in constant time, never logged.
Client IPs: never kept either; logs and limits see `client_id(ip)`, an HMAC-SHA256 under
IP_HASH_KEY, so a hash cannot be reversed by hashing every address of a range.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import structlog

from config.errors import Unauthorized
from config.settings import Settings

DEV_TENANT = "dev"
CLIENT_ID_HEX = 16  # 64 bits: distinct per client in any log, useless without the key
log = structlog.get_logger()


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


class ClientHasher:
    """Keyed hashes of client addresses: stable while the key lives, unlinkable across keys."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        # Names the key in logs (which key a line was hashed under), never reveals it.
        self.key_id = hmac.new(key, b"ip-hash-key-id", hashlib.sha256).hexdigest()[:8]

    def client_id(self, ip: str | None) -> str:
        return hmac.new(self._key, (ip or "").encode(), hashlib.sha256).hexdigest()[:CLIENT_ID_HEX]

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientHasher:
        """IP_HASH_KEY; outside production a random key for this process when it is unset."""
        if settings.ip_hash_key:
            hasher = cls(settings.ip_hash_key.encode())
            log.info("ip_hash.key", key_id=hasher.key_id)
            return hasher
        # Settings refuses production without a key; elsewhere hashes only need to hold per run.
        hasher = cls(secrets.token_bytes(32))
        log.warning("ip_hash.ephemeral_key", key_id=hasher.key_id,
                    reason="IP_HASH_KEY is unset: client hashes change at every restart")
        return hasher
