"""While the model answers, the extract stage builds grounding's index and reads the text layer
itself (off the event loop), not after."""

import asyncio

import pytest

from config.schemas import BUILTIN
from streams.document import Extraction
from streams.extraction import run
from streams.extraction.assess import assess
from streams.extraction.grounding import ground
from tests.streams.docgen import make_pdf, pages_of

LAYOUT = [(60, 60, "ACME TRADING GMBH", 14), (60, 90, "Rechnungsnr. R-4471"),
          (300, 400, "Gesamtbetrag"), (420, 400, "1.234,56 €")]
ANSWER = {"vendor": "Acme Trading GmbH", "invoice_number": "R-4471", "total": "1234.56"}


class SlowChain:
    """A provider chain whose model takes `delay` seconds; records when it answered."""

    def __init__(self, delay: float, provider: str = "groq") -> None:
        self.delay, self.provider = delay, provider
        self.names = [provider]
        self.answered = False
        self.cancelled = False

    async def extract(self, pages, schema, images) -> Extraction:
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        self.answered = True
        return Extraction(data=dict(ANSWER), provider=self.provider, model="m")


class Pool:
    """`run_cpu` that runs in a thread, as the worker's pool would, and records each call."""

    def __init__(self, chain: SlowChain) -> None:
        self.chain = chain
        self.calls: list[tuple[str, bool]] = []  # (function, had the model answered)

    async def __call__(self, fn, *args):
        self.calls.append((fn.__name__, self.chain.answered))
        return await asyncio.to_thread(fn, *args)


@pytest.fixture
def built(monkeypatch):
    """Each Index the stage builds, with whether the model had answered by then."""
    seen: list[bool] = []
    real = run.Index

    def recording(chain):
        def make(pages):
            seen.append(chain.answered)
            return real(pages)
        monkeypatch.setattr(run, "Index", make)
        return seen
    return recording


async def _extract(chain, pages, run_cpu=None):
    async def no_pdf():
        return None
    return await run.extract_pages(pages, {}, BUILTIN["invoice"], chain, ocr=False,
                                   run_cpu=run_cpu or Pool(chain), load_pdf=no_pdf)


async def test_index_is_built_while_the_model_is_still_answering(built):
    pages = pages_of(make_pdf(LAYOUT))
    chain = SlowChain(delay=0.2)
    seen = built(chain)
    out = await _extract(chain, pages)
    assert seen == [False]  # once, before the answer
    grounded = ground(Extraction(data=dict(ANSWER), provider="groq", model="m"), pages)
    expected = assess(grounded, pages, BUILTIN["invoice"], threshold=0.9)
    assert out.citations == expected.citations and out.confidence == expected.confidence
    assert out.confidence["total"] >= 0.6  # found on the page


async def test_an_answer_that_comes_at_once_is_grounded_as_before(built):
    pages = pages_of(make_pdf(LAYOUT))
    chain = SlowChain(delay=0)
    seen = built(chain)
    out = await _extract(chain, pages)
    assert seen == [True]  # no index ahead of time: one built after the answer
    assert out.citations["vendor"]


async def test_a_cancelled_stage_cancels_its_model_call():
    pages = pages_of(make_pdf(LAYOUT))
    chain = SlowChain(delay=5)
    task = asyncio.ensure_future(_extract(chain, pages))
    await asyncio.sleep(run.HEAD_START_S / 4)  # inside the head start: asyncio.wait cancels nothing
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert chain.cancelled and not chain.answered


async def test_the_text_layer_is_read_in_the_pool_while_the_model_answers(monkeypatch):
    pages = pages_of(make_pdf(LAYOUT))
    chain = SlowChain(delay=0.2)
    pool = Pool(chain)
    monkeypatch.setattr("streams.extraction.assess.extract_local",
                        lambda *a: pytest.fail("read again on the event loop"))
    out = await _extract(chain, pages, pool)
    assert pool.calls == [("extract_local", False)]
    assert out.evidence["total"]["prior"] > 0  # the reading was used: the answer agrees with it


async def test_a_local_only_chain_reads_the_page_once():
    pages = pages_of(make_pdf(LAYOUT))
    chain = SlowChain(delay=0, provider="local")
    pool = Pool(chain)
    await _extract(chain, pages, pool)
    assert pool.calls == []
