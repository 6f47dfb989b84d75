"""The one error hierarchy. Each class knows its code, HTTP status, and whether a retry may help.

    ExtractorError
    ├── RequestError                 (HTTP edge)
    │   ├── Unauthorized             unauthorized            401
    │   ├── NotFound                 not_found               404
    │   ├── FileTooLarge             file_too_large          413
    │   ├── UnsupportedMediaType     unsupported_media_type  415
    │   ├── InvalidDocument          invalid_document        422
    │   ├── SuspiciousFilename       suspicious_filename     422
    │   ├── UnknownSchema            unknown_schema          422
    │   ├── InvalidSchema            invalid_schema          422
    │   ├── TooManyPages             too_many_pages          422
    │   ├── InvalidRequest           invalid_request         422
    │   ├── RequestTimeout           request_timeout         408
    │   └── RateLimited              rate_limited            429
    ├── Unavailable                  unavailable             503  (transient)
    │   ├── BrokerUnavailable        unavailable             503  (transient, Kafka)
    │   └── StoreUnavailable         store_unavailable       503  (transient)
    ├── WebhookUndeliverable         webhook_undeliverable        (every attempt failed -> DLQ)
    ├── MessageError                 (stage input that can never succeed -> DLQ at once)
    │   ├── UndecodableMessage       undecodable_message
    │   ├── UnsupportedVersion       unsupported_schema_version
    │   └── BlobMissing              blob_missing
    └── ProviderError                provider_error          502  (transient)
        ├── ProviderRateLimited      provider_rate_limited   429  (transient, may carry retry_after)
        ├── ProviderTimeout          provider_timeout        504  (transient)
        ├── ProviderOutput           provider_bad_output     502
        └── CircuitOpen              circuit_open            503  (transient)

The error code doubles as the DLQ reason and the `error.code` of a failed result.
"""

from __future__ import annotations


class ExtractorError(Exception):
    code = "internal_error"
    status = 500
    transient = False

    def __init__(self, message: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(message or self.code.replace("_", " "))
        self.message = str(self.args[0])
        self.retry_after = retry_after


class RequestError(ExtractorError):
    status = 400
    code = "bad_request"


class Unauthorized(RequestError):
    code, status = "unauthorized", 401


class NotFound(RequestError):
    code, status = "not_found", 404


class FileTooLarge(RequestError):
    code, status = "file_too_large", 413


class UnsupportedMediaType(RequestError):
    code, status = "unsupported_media_type", 415


class InvalidDocument(RequestError):
    code, status = "invalid_document", 422


class SuspiciousFilename(RequestError):
    code, status = "suspicious_filename", 422


class UnknownSchema(RequestError):
    code, status = "unknown_schema", 422


class InvalidSchema(RequestError):
    code, status = "invalid_schema", 422


class TooManyPages(RequestError):
    code, status = "too_many_pages", 422


class InvalidRequest(RequestError):
    code, status = "invalid_request", 422


class RequestTimeout(RequestError):
    code, status = "request_timeout", 408


class RateLimited(RequestError):
    code, status = "rate_limited", 429


class Unavailable(ExtractorError):
    code, status, transient = "unavailable", 503, True


class BrokerUnavailable(Unavailable):
    code = "unavailable"


class StoreUnavailable(Unavailable):
    code = "store_unavailable"


class WebhookUndeliverable(ExtractorError):
    code = "webhook_undeliverable"


class MessageError(ExtractorError):
    code, status = "bad_message", 422


class UndecodableMessage(MessageError):
    code = "undecodable_message"


class UnsupportedVersion(MessageError):
    code = "unsupported_schema_version"


class BlobMissing(MessageError):
    code = "blob_missing"


class ProviderError(ExtractorError):
    code, status, transient = "provider_error", 502, True


class ProviderRateLimited(ProviderError):
    code, status = "provider_rate_limited", 429


class ProviderTimeout(ProviderError):
    code, status = "provider_timeout", 504


class ProviderOutput(ProviderError):
    code, transient = "provider_bad_output", False


class CircuitOpen(ProviderError):
    code, status = "circuit_open", 503
