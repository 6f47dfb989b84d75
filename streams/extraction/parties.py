"""Who issued the document: the vendor's name (address.py has its address, customer.py the buyer).

Vendor candidates, scored and the best kept:
- a value after a seller label ("Sold by", "Fournisseur", "Titulaire du compte": the bank
  account holder of an invoice is its issuer);
- a company name ending in a legal form (GmbH, B.V., SARL, Sdn Bhd, Inc...), higher near the
  top of page 1 and when the name recurs (vendors repeat in headers, footers and legal text);
- the first name-like line of page 1 (shops print their name first on receipts), but not an
  address line, nor a mall whose name comes back in the address under it.
Anything under a customer label ("Bill to", "Factuuradres") is penalised.
"""

from __future__ import annotations

import math
import re
from difflib import SequenceMatcher

from streams.extraction import labels as L
from streams.extraction.items import table_header
from streams.extraction.layout import Block, Layout, union
from streams.extraction.names import (
    ADDRESS_WORD,
    COMPANY_NO,
    CONNECTORS,
    LEGAL,
    MONEY,
    PLACE,
    STREET_WORD,
    clean_name,
    fold,
    name_from,
    name_like,
)
from streams.extraction.rules import Found, best

_TITLE = L.rx("=ticket", "kassabon", "kassenbon", "=beleg", "quittung")  # a receipt's title


def customer_zone(layout: Layout) -> set[tuple[int, int]]:
    """(row, block index) of blocks in or under a customer label, within six rows."""
    zone: set[tuple[int, int]] = set()
    for block in layout.blocks:
        if L.CUSTOMER.search(block.text) and not L.CUSTOMER_EXCLUDE.search(block.text):
            zone.add((block.row, block.index))
            for row in layout.rows[block.row + 1: block.row + 7]:
                for other in row:
                    if other.page == block.page and min(other.bbox[2], block.bbox[2]) - max(
                            other.bbox[0], block.bbox[0]) > 0:
                        zone.add((other.row, other.index))
    return zone


def _frequency_bonus(name: str, layout: Layout, pages: int) -> float:
    core = fold(name)
    if len(core) < 3:
        return 0.0
    count = sum(core in fold(b.text) for b in layout.blocks)
    return min(0.2, 0.1 * (math.ceil(count / pages) - 1))


COMPANY_IDS = L.rx("vat", "=btw", "=tva", "ust-id", "ustid", "=gst", "gstin", "=kvk",
                   "iban", "handelsregister", "registergericht", "=hrb", "siret", "=siren",
                   "=rcs", "company no", "reg no", "=cin", "=abn")


def _near_company_ids(layout: Layout, found: Found) -> bool:
    """Whether tax/registration/bank ids follow within a few rows of the name (or of its last
    line, when it goes on under it: "TSH POWER HARDWARE" over "TRADING")."""
    edge, end = _home(layout, found), found.row
    while edge is not None:
        edge = _next_line(layout, edge, 1)
        end = edge.row if edge is not None else end
    for row in layout.rows[found.row: end + 8]:
        if any(MONEY.search(b.text) for b in row):
            continue  # "Total inclusive GST @6% | 12.40" is a tax line, not a tax id
        for block in row:
            if block.page == found.page and COMPANY_IDS.search(block.text) and not (
                    L.VAT_EXCLUDE.search(block.text)):
                return True
    return False


REGISTRATION = re.compile(
    r"^\W*(?:[(（]\s*[A-Z]{0,3}\d{4,}[-\s]?[A-Z]{0,2}\s*[)）]|(?:co\.?\s*reg|company\s*(?:no|reg)|"
    r"roc\s*no|reg(?:istration)?\s*no))",
    re.IGNORECASE,
)


def _above_registration(layout: Layout, found: Found) -> bool:
    """Shops print their registration number ("(867388-U)") right under their name."""
    rows = layout.rows[found.row + 1: found.row + 3]
    return any(REGISTRATION.search(b.text) for row in rows for b in row if b.page == found.page)


def candidate(block: Block, name: str, score: float, start: int = 0) -> Found:
    return Found(value=name, page=block.page, bbox=block.span_bbox(start, start + len(name)),
                 score=score, row=block.row)


def vendor_candidates(layout: Layout, receipt: bool) -> list[Found]:
    cands: list[Found] = []
    for block in layout.blocks:
        match = L.VENDOR.search(block.text)
        if match and not L.PARTY_ID_WORD.match(block.text[match.end():]):
            cands += _labelled_vendor(layout, block, match.end())
        owner = L.OWNER.search(block.text)
        former = _after_former(layout, block)
        matches = list(LEGAL.finditer(block.text))
        for match, after in zip(matches, [*matches[1:], None], strict=False):
            if after is not None and after.start() - match.end() <= 8 and not (
                    COMPANY_NO.match(block.text, match.end())):
                continue  # "AEON CO. (M) BHD.": the name runs on to the next legal form
            name = clean_name(name_from(block.text, match.end(), match.start()))
            if not _named(name) and name == clean_name(block.text) and (
                    above := _next_line(layout, block, -1)):
                name = f"{clean_name(above.text)} {name}"  # "Nando's Chickenland" over "Sdn Bhd"
            if _named(name):  # not "1234 AB" (a postcode)
                top = block.page == 1 and block.bbox[1] < 0.25
                # the operator named in "owned by X Ltd" is not the trading name printed first,
                # nor is the old name after "formerly known as"
                behind = former or bool(owner and owner.start() < match.start())
                score = 0.45 + 0.3 * top - (0.35 if behind else 0)
                cands.append(candidate(block, name, score, block.text.find(name)))
    first_rows = [b for b in layout.blocks if b.page == 1][:12]
    streets = [b.row for b in first_rows if _address_line(b.text)]
    named = [b for b in first_rows if name_like(b.text) and not L.OWNER.search(b.text)
             and not _address_line(b.text) and not _place_name(layout, b)
             and not (_TOWN_LINE.match(b.text) and any(row < b.row for row in streets))][:3]
    for rank, block in enumerate(named):
        row = layout.rows[block.row]
        if _TITLE.search(block.text) or any(MONEY.search(o.text) for o in row) or (
                table_header(row) is not None):
            continue  # "TICKET", an item ("Tea | 38,43"), "QTY | PRICE": not a name
        cands.append(candidate(block, clean_name(block.text), (0.6 if receipt else 0.45)
                                - 0.05 * rank))
    return cands


def _named(name: str) -> bool:
    """Whether a legal name has a name besides its legal form (two letters or more)."""
    return sum(ch.isalpha() for ch in LEGAL.sub("", name)) >= 2


def _address_line(text: str) -> bool:
    """"G.23 Plaza Seri Setia", or OCR-glued "UNIT105,BLOCKA,PUSAT DAGANGAN" or "avenueFoch7"
    (a street and its house number in one word): not a name."""
    glued = PLACE.search(text) and (text.count(",") >= 2 or re.fullmatch(
        r"\S*[^\W\d_]\d{1,4}[A-Za-z]?", text.strip()))
    return bool((STREET_WORD.search(text) or glued) and re.search(r"\d", text))


# a postcode and town ("3526.KLUtrecht", "81300 Skudai, Johor") or a US town, state and ZIP
# ("Austin, TX78701"): under a street line, not a name
_TOWN_LINE = re.compile(r"\W*\d{4,6}(?:[ .]?[A-Z]{2}(?=[ .]?[A-Z]))?[ .,]?[A-Z][a-zà-ÿ]+|"
                        r"[A-Z][A-Za-z .]+,\s*[A-Z]{2}\s*\d{5}(?:-\d{4})?\W*$")


def _place_name(layout: Layout, block: Block) -> bool:
    """A mall or building printed over the shop: its name comes back in the address under it
    ("OASIS VILLAGE" over "LOUNGE 2, GROUND FLOOR, OASIS VILLAGE NO 2")."""
    core = fold(block.text)
    below = next(iter(layout.below(block, max_rows=1)), None)
    if len(core) < 6 or below is None or not _address_line(below.text):
        return False
    found = SequenceMatcher(None, core, fold(below.text), autojunk=False).find_longest_match()
    return found.size >= len(core) - 1


_FORMER = re.compile(r"(?i)\b(?:formerly|previously|dahulu|ehemals|anciennement|voorheen)\b")


def _after_former(layout: Layout, block: Block) -> bool:
    """Whether `block` holds, or follows, a "formerly known as" (its name is an old one) or
    an "Owned by:" on its own line (its name is the operator's, not the trading name)."""
    above = layout.rows[block.row - 1] if block.row else []
    return bool(_FORMER.search(block.text) or any(
        _FORMER.search(b.text) or L.OWNER.search(b.text) and not name_like(L.OWNER.sub("", b.text))
        for b in above if b.page == block.page))


def _labelled_vendor(layout: Layout, block: Block, end: int) -> list[Found]:
    rest = block.text[end:].strip(" :.-")
    if name_like(rest):
        return [candidate(block, clean_name(rest), 0.8, block.text.find(rest))]
    for other in [*layout.right_of(block)[:1], *layout.below(block)]:
        priced = any(MONEY.search(b.text) for b in layout.rows[other.row])  # an item row
        if name_like(other.text) and not other.text.lstrip().startswith("(") and not priced:
            return [candidate(other, clean_name(other.text), 0.75)]
    return []


def pick_vendor(layout: Layout, receipt: bool = False) -> Found | None:
    pages = max((b.page for b in layout.blocks), default=1)
    zone = customer_zone(layout)
    cands = vendor_candidates(layout, receipt)
    for found in cands:
        found.score += _frequency_bonus(found.value, layout, pages)
        found.score += 0.15 * _near_company_ids(layout, found)
        found.score += 0.1 * _above_registration(layout, found)
        home = layout.block_at(found.row, found.bbox[0])
        if home is not None and (home.row, home.index) in zone:
            found.score -= 0.5
        found.score = max(0.05, min(0.95, found.score))
    return _wrapped(layout, best([c for c in cands if c.value]))


def _wrapped(layout: Layout, found: Found | None) -> Found | None:
    """A name printed on two or three lines: "SUNRISE ELECTRICAL" over "TRADING SDN BHD"."""
    if found is None:
        return found
    home = _home(layout, found)
    if home is None:
        return found
    legal = bool(LEGAL.search(found.value))
    step = -1 if legal else 1  # the legal form ends the name: look above it, else below
    edge, last = home, found.row
    for _ in range(2 if legal else 1):
        near = _next_line(layout, edge, step)
        if near is None or (legal and LEGAL.search(near.text)):
            break
        edge = near
        parts = [clean_name(edge.text), found.value][::-step]
        found.value = " ".join(parts)
        found.bbox = union([found.bbox, edge.bbox])
        last = max(last, edge.row)
    found.row = last  # the address starts under the last line
    return found


def _home(layout: Layout, found: Found) -> Block | None:
    """The block that holds the whole of `found`'s name, if one does."""
    return next((b for b in layout.rows[found.row] if b.text.strip(" ,;:-") == found.value), None)


def _next_line(layout: Layout, edge: Block, step: int) -> Block | None:
    """The block `step` rows from `edge`, in its column, when it goes on with the name (a
    title printed beside it, "FACTUUR", is another column)."""
    row = edge.row + step
    if not 0 <= row < len(layout.rows):
        return None
    near = [b for b in layout.rows[row] if b.page == edge.page
            and min(b.bbox[2], edge.bbox[2]) - max(b.bbox[0], edge.bbox[0]) > 0]
    return near[0] if len(near) == 1 and _continues(near[0], edge) else None


def _continues(line: Block, home: Block) -> bool:
    """`line` reads as the other half of the name in `home`: same size, same column."""
    ratio = line.height / max(home.height, 1e-6)
    overlap = min(line.bbox[2], home.bbox[2]) - max(line.bbox[0], home.bbox[0]) > 0
    words = line.text.split()
    sentence = ":" in line.text or words[-1].casefold() in CONNECTORS  # "Payable in favor of"
    return (0.8 <= ratio <= 1.3 and overlap and name_like(line.text) and not sentence
            and not L.OWNER.search(line.text) and not ADDRESS_WORD.search(line.text))

