"""What a company's name looks like in a line of text: its legal forms, the words that are
never a name, and the address words that end one (parties.py picks the vendor with these)."""

from __future__ import annotations

import re

from streams.extraction import labels as L
from streams.extraction.dates import find_dates

LEGAL = re.compile(
    r"(?:(?<![A-Za-z0-9])(?:GmbH(?:\s*&\s*Co\.?\s*KG)?|KGaA|AG|KG|e\.K\.|OHG|UG|GbR|B\.\s?V\.?|BV"
    r"|N\.\s?V\.?|NV|VOF|BVBA|SPRL|SARL|S\.A\.R\.L\.?|SAS|S\.A\.S\.?|S\.A\.|SA|S\.?r\.?l\.?|"
    r"S\.p\.A\.?|SpA|LLC|L\.L\.C\.|LLP|PLC|plc|Oy|AB|A/S|ApS|S/B|Co\.|CO\.)"
    r"|(?i:(?<![A-Za-z])(?:Ltd|Limited|Inc|Incorporated|Corp|Corporation|Pvt\.?\s*Ltd|"
    r"Private\s+Limited|Pte\.?\s*Ltd|Pty\.?\s*Ltd|Bhd|Sdn\.?\s*Bhd)\.?)"
    r"|(?i:Sdn\.?\s*Bhd|SDN\s*BND)\.?|(?<=[A-Za-z])GmbH"
    # glued to the name's last word, which OCR ran together ("CopperleafHardwareLLC")
    r"|(?<=[a-z])(?:LLC|LLP|PLC|Ltd|Inc\.?|Corp\.?|BV|B\.V\.?|N\.[Vv]\.?|NV|SARL|SA[Ss]|AG|KG))"
    r"(?![A-Za-z0-9])"
)
CONNECTORS = {"&", "and", "of", "et", "en", "und", "-", "+"}
_NOT_NAME = L.rx(
    "invoice", "receipt", "tax", "factuur", "rechnung", "facture", "=bill", "=date", "datum",
    "page", "seite", "=tel", "telephone", "phone", "=fax", "www", "http", "@", "copy", "kopie",
    "original", "duplicate", "payment", "statement", "=order", "delivery", "credit note",
    "quotation", "=cash", "=table", "cashier", "welcome", "thank", "=no", "=gst",
    "summary", "details", "=guest", "account", "=slip",
)
MONEY = re.compile(r"(?<![\d.,/-])\d{1,4}[.,]\d{2}(?![\d.,/-])")  # a price, not a postcode
STREET_WORDS = (
    "jalan", "jln", "lot", "taman", "tmn", "kawasan", "bandar", "level", "floor", "block", "plaza",
    "lorong", "persiaran", "kampung", "seksyen", "street", "st", "road", "rd", "avenue", "ave",
    "lane", "blvd", "drive", "suite", "unit", "building", "straße", "strasse", "str", "weg",
    "platz", "allee", "gasse", "rue", "boulevard", "chemin", "place", "straat", "laan", "plein",
    "gracht", "kade", "postbus", "box", "cedex",
)
STREET_WORD = re.compile(rf"\b(?:{'|'.join(STREET_WORDS)})\b", re.IGNORECASE)
# a street word, also glued ("14StationStreet", "JALANBESAR"; not the short ones, which sit
# inside other words), or a postcode: a place, not a name
_SHORT = ("lot", "tmn", "st", "rd", "ave", "str", "box")
_GLUED_STREET = "|".join(w for w in STREET_WORDS if w not in _SHORT)
PLACE = re.compile(rf"(?<!\d)\d{{4,6}}(?!\d)|{_GLUED_STREET}", re.IGNORECASE)
ADDRESS_WORD = re.compile(rf"\d|{STREET_WORD.pattern}", re.IGNORECASE)


def name_from(text: str, end: int, legal: int | None = None) -> str:
    """The company name ending at `end`: capitalised words back to the first other word.

    Words from `legal` on (the legal form, "Sdn bhd") belong to it in any case, and so does
    the line's first word when the rest of the line is the name (OCR lowers a capital)."""
    name: list[str] = []
    words = text[:end].split()
    legal_words = len(text[legal:end].split()) if legal is not None else 0
    for index, word in enumerate(reversed(words)):
        bare = word.strip(",;")
        if re.search(r"\d:\d", word) or find_dates(word):
            continue  # a date or time OCR put on the name's line
        if word.endswith(":") or len(name) >= 7:
            break
        capital = bare[:1].isupper() or bare[:1].isdigit() or any(ch.isupper() for ch in bare)
        first = index == len(words) - 1 and len(name) >= 2 and bare.isalpha()
        if bare in CONNECTORS or capital or bare[:1] in "(-" or index < legal_words or first:
            name.insert(0, word)
        else:
            break
    while name and name[0].strip(",;-") in CONNECTORS:
        name.pop(0)
    return " ".join(name).strip(" ,;:-–")


_REGISTRATION_TAIL = re.compile(r"\s*[(（][\w\s.:-]*\d[\w\s.:-]*[)）]?\s*$")  # "(519537-X)"
# a company number inside the line ends the name: "MYNEWS RETAIL SB (306295-X) FKA BISON ..."
_REGISTRATION_INSIDE = re.compile(
    r"(?<=\S)\s*[(（]\s*[A-Z]{0,3}\d{5,}\s*-?\s*[A-Z]{1,2}\s*[)）].*$")
COMPANY_NO = re.compile(r"\s*[(（]\s*co\.?\s*(?:no|reg)", re.IGNORECASE)  # "(Co. No: 20154-T)"


def clean_name(text: str) -> str:
    text = _REGISTRATION_TAIL.sub("", _REGISTRATION_INSIDE.sub("", text))
    text = re.sub(r"(?<=[A-Za-z])0(?=[A-Za-z.])|(?<!\w)0(?=[A-Za-z]{2})", "O", text)  # "AEON C0."
    text = re.sub(r"(?<=[a-z])(SDN\s*BHD|SDNBHD)\b", r" \1", text, flags=re.IGNORECASE)
    text = re.sub(r"(?<=[A-Za-z])(GmbH)\b", r" \1", text)  # OCR glued "ACMEGmbH"
    return text.strip(" ,;:-–|*")


def is_label(text: str) -> bool:
    """A field label on its own ("Buyer:", "Bill To", "Kunde"), not a value."""
    stripped = text.strip()
    if stripped.endswith(":"):
        return True
    for pattern in (L.CUSTOMER, L.VENDOR):
        match = pattern.match(stripped)
        if match and not re.search(r"[^\W\d_]{2}", stripped[match.end():]):
            return True
    return False


# a slogan or web address printed above the name ("TQ FOR SHOPPING WITH shop.com")
_PROMO = re.compile(r"(?i)for\s*shopping|shop\s*with|\.\s*c[o0]m\b|\.\s*net\b|\.\s*org\b")


_CASH_AND_CARRY = re.compile(r"(?i)cash\s*(?:&|and)\s*carry")  # a shop's name, not a payment line


def name_like(text: str) -> bool:
    text = _REGISTRATION_TAIL.sub("", text)  # "99 SPEED MART S/D (519537-X)" is a name
    letters = sum(ch.isalpha() for ch in text)
    visible = sum(not ch.isspace() for ch in text)
    return (letters >= 3 and letters >= 0.6 * visible and any(ch.isupper() for ch in text)
            and not _NOT_NAME.search(_CASH_AND_CARRY.sub("", text)) and not _PROMO.search(text)
            and not find_dates(text) and not is_label(text))


def fold(text: str) -> str:
    """A name without its legal form, case or punctuation, to find it again elsewhere."""
    return re.sub(r"[^\w]", "", LEGAL.sub("", text).casefold())
