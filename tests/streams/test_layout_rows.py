"""Rows on skewed scans: a long line's tall box must not swallow the short line under it."""

from config.schemas import INVOICE
from streams.document import Page, Word
from streams.extraction.layout import build_layout
from streams.extraction.local import extract_local


def _page(words: list[tuple[str, tuple[float, float, float, float]]]) -> Page:
    return Page(number=1, width=1240, height=1754, source="image",
                words=[Word(text=t, bbox=b, score=0.99) for t, b in words])


# an invoice head as OCR boxed it on a scan skewed by about one degree: the contact line is
# long, so its box is as tall as two lines and its middle falls inside the town's band
HEAD = [("Bluebell Florist KG", (0.082, 0.052, 0.263, 0.077)),
        ("RECHNUNG", (0.652, 0.042, 0.811, 0.068)),
        ("Marktplatz 107", (0.083, 0.108, 0.180, 0.123)),
        ("04109 Leipzig", (0.083, 0.124, 0.175, 0.137)),
        ("Tel +4935145985 · info@bluebell.com · www.bluebell.com", (0.083, 0.125, 0.486, 0.150)),
        ("Rechnungsnr.", (0.085, 0.179, 0.170, 0.193)),
        ("2024-6953", (0.087, 0.195, 0.159, 0.206))]


def test_a_word_over_another_starts_a_new_row():
    rows = [[b.text for b in row] for row in build_layout([_page(HEAD)]).rows]
    assert ["04109 Leipzig"] in rows
    assert not any("Leipzig" in text and "Tel" in text for row in rows for text in row)


def test_the_town_under_a_skewed_contact_line_stays_in_the_address():
    out = extract_local([_page(HEAD)], INVOICE)
    assert out.data["vendor_address"] == "Marktplatz 107, 04109 Leipzig"
