"""Delivery as plain functions: signatures the `standardwebhooks` library accepts, the retry
schedule, deterministic ids, and one attempt against a loopback receiver (no Kafka)."""

from __future__ import annotations

import asyncio
import ipaddress
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from stores.netguard import UnsafeTarget, check_url, is_internal, resolve_safe
from stores.webhooks import Webhook, new_secret, secret_key
from streams.webhooks import backoff, body, headers, new_client, post, schedule
from tests.webhooks.receiver import Receiver
from topics.webhooks import DeliveryJob, Event, webhook_id


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def job(**extra) -> DeliveryJob:
    return DeliveryJob(id=webhook_id("acme", "hook", Event.document_completed, "doc-1", 1),
                       tenant="acme", endpoint="hook", event=Event.document_completed,
                       subject="doc-1", **extra)


def test_the_signature_verifies_with_the_standardwebhooks_library():
    secret = new_secret()
    assert secret.startswith("whsec_") and len(secret_key(secret)) == 32
    payload = body(job(), {"id": "doc-1", "total": "12.50 €"})
    sent = headers(secret, "msg_1", payload)
    assert Verifier(secret).verify(payload, sent)["data"]["total"] == "12.50 €"
    with pytest.raises(WebhookVerificationError):
        Verifier(new_secret()).verify(payload, sent)  # another secret
    with pytest.raises(WebhookVerificationError):
        Verifier(secret).verify(payload + b" ", sent)  # a changed body
    stamp = datetime.fromtimestamp(int(sent["webhook-timestamp"]), UTC)
    assert sent["webhook-signature"] == Verifier(secret).sign("msg_1", stamp, payload)


def test_ids_are_the_same_for_a_redelivery_and_differ_per_endpoint_event_and_version():
    one = webhook_id("acme", "hook", Event.document_completed, "doc-1", 1)
    assert one == webhook_id("acme", "hook", Event.document_completed, "doc-1", 1)
    assert len({one, webhook_id("acme", "other", Event.document_completed, "doc-1", 1),
                webhook_id("acme", "hook", Event.document_reviewed, "doc-1", 1),
                webhook_id("acme", "hook", Event.document_completed, "doc-1", 2),
                webhook_id("globex", "hook", Event.document_completed, "doc-1", 1)}) == 5


def test_the_documented_schedule_and_its_jitter():
    assert schedule(5, 3600, 6) == [5, 25, 125, 625, 3125]
    assert schedule(5, 600, 6)[-1] == 600
    delays = [backoff(2, 5, 3600) for _ in range(200)]
    assert 20 <= min(delays) < max(delays) <= 30


def test_addresses_inside_the_network_are_internal():
    for inside in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                   "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1",
                   "100.100.100.200"):
        assert is_internal(ipaddress.ip_address(inside)), inside
    for outside in ("93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"):
        assert not is_internal(ipaddress.ip_address(outside)), outside
    for bad in ("ftp://example.com/", "http://user:pw@example.com/", "/relative", "http://:80"):
        with pytest.raises(UnsafeTarget):
            check_url(bad)


def test_private_targets_are_refused_unless_allowed():
    for url in ("http://127.0.0.1:9/x", "http://localhost/", "http://[::1]/", "http://10.0.0.1/"):
        with pytest.raises(UnsafeTarget, match="WEBHOOK_ALLOW_PRIVATE"):
            asyncio.run(resolve_safe(url, allow_private=False))
        asyncio.run(resolve_safe(url, allow_private=True))


def attempt(receiver: Receiver, path: str, *, allow_private: bool = True, timeout: float = 3):
    hook = Webhook(name="hook", url=receiver.url + path, events=[Event.document_completed],
                   secret=new_secret())

    async def run():
        async with new_client() as client:
            return await post(client, hook, job(), b"{}", timeout=timeout,
                              allow_private=allow_private)

    return hook, asyncio.run(run())


def test_an_attempt_is_signed_and_checked_again_at_delivery(receiver):
    hook, outcome = attempt(receiver, "/ok")
    assert outcome.ok and outcome.status_code == 200
    [got] = receiver.got("/ok")
    assert Verifier(hook.secret).verify(got.body, got.headers) == {}
    assert got.headers["host"] == receiver.url.removeprefix("http://")
    _, refused = attempt(receiver, "/private", allow_private=False)
    assert not refused.ok and refused.error.startswith("refused")
    assert receiver.got("/private") == []


def test_redirects_are_not_followed(receiver):
    receiver.behaviours["/moved"].then = 302
    receiver.behaviours["/moved"].redirect_to = receiver.url + "/elsewhere"
    _, outcome = attempt(receiver, "/moved")
    assert outcome.status_code == 302 and not outcome.ok
    assert receiver.got("/elsewhere") == []


def test_the_answer_is_read_up_to_a_cap_and_an_attempt_has_a_timeout(receiver):
    receiver.behaviours["/big"].answer_bytes = 50_000_000
    receiver.behaviours["/big"].drip = 20  # reading it all would take 20 s
    _, outcome = attempt(receiver, "/big", timeout=5)
    assert outcome.ok and outcome.seconds < 2
    receiver.behaviours["/hang"].hang = 10
    _, hung = attempt(receiver, "/hang", timeout=1)
    assert hung.error == "timeout" and 1 <= hung.seconds < 2


def test_which_event_a_result_announces():
    from topics.models import Result, Status
    from topics.webhooks import document_event

    def result(status: Status, version: int = 1) -> Result:
        return Result(id="d", schema="invoice", status=status, version=version)

    assert document_event(result(Status.completed)) is Event.document_completed
    assert document_event(result(Status.completed, 2)) is Event.document_reviewed
    assert document_event(result(Status.failed)) is Event.document_failed
    for quiet in (Status.queued, Status.extracting, Status.cancelled):
        assert document_event(result(quiet)) is None
