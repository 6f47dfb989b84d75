"""Who the document is for: the value at or under a customer label ("Bill to", "Kunde")."""

from __future__ import annotations

import re

from streams.extraction import labels as L
from streams.extraction.layout import Block, Layout
from streams.extraction.names import clean_name, name_like
from streams.extraction.parties import candidate
from streams.extraction.rules import Found

_FIELD_WORD = re.compile(r"^\W*(?:address|adresse|adres|anschrift|name|details)\b\W*",
                         re.IGNORECASE)


def pick_customer(layout: Layout) -> Found | None:
    """The first name at or under a billing label; under a delivery label ("Ship To") only
    when no billing label names anyone, since the goods may go to another party. Such a name
    has no margin: the billed party may be printed under a label OCR garbled."""
    for delivery in (False, True):
        for block in layout.blocks:
            match = L.CUSTOMER.search(block.text)
            if not match or bool(L.SHIP_TO.match(block.text, match.start())) != delivery:
                continue
            # "Customer No", "Service Clients": a compound label, not the customer's
            if L.CUSTOMER_EXCLUDE.search(block.text[max(0, match.start() - 12):match.end() + 12]):
                continue
            found = _named_at(layout, block, match.end())
            if found is not None:
                found.margin = 0.0 if delivery else None
                return found
    return None


def _named_at(layout: Layout, block: Block, end: int) -> Found | None:
    """The name after a customer label ending at `end`, or under it."""
    rest = _FIELD_WORD.sub("", block.text[end:]).strip(" :.-")
    if name_like(rest):
        return candidate(block, clean_name(rest), 0.6, block.text.find(rest))
    for other in layout.below(block, max_rows=2):
        text = L.CUSTOMER.sub("", other.text).strip(" :.-")
        if name_like(text):
            return candidate(other, clean_name(text), 0.55, other.text.find(text))
    return None
