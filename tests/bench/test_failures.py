"""The failure comparison's counting, and the fake LLM's timed outage window it relies on."""

from __future__ import annotations

import time

import httpx

from bench.client import Sent
from bench.docs import Doc
from bench.failures import ours_tally, peer_tally
from tests.fakes.fake_llm import FakeLLM

DOC = Doc("pdf1", "a.pdf", "application/pdf", b"%PDF-")


def sent(status: int, started: float = 0.0, answered: float = 1.0,
         doc_id: str | None = None) -> Sent:
    return Sent(DOC, started, answered, status, doc_id)


def test_ours_loses_what_was_accepted_and_never_completed():
    uploads = [sent(202, doc_id="a"), sent(202, doc_id="b"), sent(202, doc_id="c"),
               sent(202, doc_id="d"), sent(0), sent(503)]
    stored = {"a": "completed", "b": "failed", "d": "completed", "x": "completed"}
    assert ours_tally(uploads, stored) == {"sent": 6, "accepted": 4, "refused": 2,
                                           "completed": 2, "lost": 2}


def test_a_refused_upload_is_not_lost():
    assert ours_tally([sent(0), sent(429)], {})["lost"] == 0


def test_the_peer_splits_failures_into_timeouts_and_errors():
    requests = [sent(200), sent(0, 0.0, 60.01), sent(0, 0.0, 59.6), sent(0, 0.0, 3.0),
                sent(502)]
    assert peer_tally(requests, 60.0) == {"sent": 5, "completed": 1, "failed": 4,
                                          "timeouts": 2, "errors": 2, "lost": 4}


def test_after_a_kill_the_peer_loses_only_what_it_had_taken_before():
    requests = [sent(200, 0.0, 1.0), sent(0, 0.5, 2.0), sent(0, 1.5, 3.0), sent(0, 2.5, 2.6)]
    tally = peer_tally(requests, 60.0, killed_at=2.0)
    assert (tally["failed"], tally["lost"]) == (3, 2)


def test_the_fake_answers_503_for_the_window_then_recovers():
    body = {"model": "m", "messages": [{"role": "user", "content": "Total: 1.00"}]}
    with FakeLLM() as fake:
        chat = f"{fake.url}/openai/v1/chat/completions"
        assert httpx.post(chat, json=body).status_code == 200
        assert httpx.post(f"{fake.url}/_fake/outage",
                          json={"fault": "503", "seconds": 0.5}).status_code == 200
        down = httpx.post(chat, json=body)
        assert down.status_code == 503
        assert down.json()["error"]["type"] == "service_unavailable"
        time.sleep(0.7)
        assert httpx.post(chat, json=body).status_code == 200
        assert httpx.post(f"{fake.url}/_fake/outage",
                          json={"fault": "nonsense"}).status_code == 422
