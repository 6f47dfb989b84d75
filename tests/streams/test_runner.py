"""The poison-message policy: retry transient errors, dead-letter the rest, never raise."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from config.errors import InvalidDocument, ProviderRateLimited, ProviderTimeout
from stores.metrics import Metrics
from streams.runner import Incoming, StageRunner


class Recorder:
    def __init__(self, fail_sends: int = 0) -> None:
        self.sent: list[tuple] = []
        self.failed: list[tuple] = []
        self.fail_sends = fail_sends

    async def send(self, topic, key, value, headers) -> None:
        if self.fail_sends:
            self.fail_sends -= 1
            raise ConnectionError("broker away")
        self.sent.append((topic, key, value, headers))

    async def mark_failed(self, doc_id, err) -> None:
        self.failed.append((doc_id, err.code))


def runner(rec: Recorder, attempts: int = 3) -> StageRunner:
    return StageRunner("extract", send=rec.send, dlq_topic="x.dlq", mark_failed=rec.mark_failed,
                       metrics=Metrics(), max_attempts=attempts, base_delay=0.001,
                       max_delay=0.01)


def message() -> Incoming:
    return Incoming("documents.prepared", 3, 41, b"doc-1", b"original",
                    {"request_id": b"req-9"})


async def test_transient_errors_are_retried_until_success():
    rec, calls = Recorder(), []

    async def flaky(_msg):
        calls.append(1)
        if len(calls) < 3:
            raise ProviderTimeout("slow")

    await runner(rec).run(message(), flaky)
    assert len(calls) == 3 and rec.sent == [] and rec.failed == []


async def test_exhausted_retries_dead_letter_with_full_context():
    rec = Recorder()

    async def down(_msg):
        raise ProviderTimeout("provider down")

    await runner(rec, attempts=2).run(message(), down)
    [(topic, key, value, headers)] = rec.sent
    assert (topic, key, value) == ("x.dlq", b"doc-1", b"original")
    assert headers["dlq.error_code"] == b"provider_timeout"
    assert headers["dlq.attempts"] == b"2" and headers["dlq.stage"] == b"extract"
    assert headers["dlq.original_topic"] == b"documents.prepared"
    assert (headers["dlq.original_partition"], headers["dlq.original_offset"]) == (b"3", b"41")
    assert headers["request_id"] == b"req-9" and headers["dlq.first_failure_at"]
    assert rec.failed == [("doc-1", "provider_timeout")]


async def test_permanent_errors_skip_retries():
    rec, calls = Recorder(), []

    async def corrupt(_msg):
        calls.append(1)
        raise InvalidDocument("bad pdf")

    await runner(rec).run(message(), corrupt)
    assert len(calls) == 1 and rec.sent[0][3]["dlq.error_code"] == b"invalid_document"


async def test_a_bug_is_dead_lettered_not_raised():
    rec = Recorder()

    async def bug(_msg):
        raise KeyError("oops")

    await runner(rec).run(message(), bug)
    assert rec.sent[0][3]["dlq.error_code"] == b"internal_error"


async def test_dlq_outage_blocks_until_the_letter_is_written():
    rec = Recorder(fail_sends=3)

    async def corrupt(_msg):
        raise InvalidDocument("bad pdf")

    await runner(rec).run(message(), corrupt)
    assert len(rec.sent) == 1


@pytest.mark.parametrize("retry_after", [0.05])
async def test_retry_after_is_honoured(retry_after):
    import time

    rec, stamps = Recorder(), []

    async def limited(_msg):
        stamps.append(time.monotonic())
        if len(stamps) == 1:
            raise ProviderRateLimited("slow down", retry_after=retry_after)

    await runner(rec).run(message(), limited)
    assert stamps[1] - stamps[0] >= retry_after


async def test_a_redis_outage_is_waited_out_beyond_the_attempt_limit():
    rec, calls = Recorder(), []

    async def store_down_for_a_while(_msg):
        calls.append(1)
        if len(calls) < 6:  # more failures than the 3 attempts other errors get
            raise RedisConnectionError("Connection refused")

    await runner(rec).run(message(), store_down_for_a_while)
    assert len(calls) == 6 and rec.sent == [] and rec.failed == []


async def test_marking_a_dead_letter_failed_waits_out_a_redis_outage():
    rec, tries = Recorder(), []

    async def mark_failed_when_redis_is_back(doc_id, err) -> None:
        tries.append(1)
        if len(tries) < 3:
            raise RedisConnectionError("Connection refused")
        rec.failed.append((doc_id, err.code))

    r = runner(rec)
    r.mark_failed = mark_failed_when_redis_is_back

    async def poison(_msg):
        raise InvalidDocument("not a PDF")

    await r.run(message(), poison)
    assert len(rec.sent) == 1 and rec.failed == [("doc-1", "invalid_document")]
