"""Generated test documents: invoices and receipts drawn with PyMuPDF at known positions.

Each layout is a list of (x, y, text[, fontsize]) in points on an A4 page; `make_pdf` draws it
and `pages_of` reads it back the way the pipeline does (text layer, 0..1 word boxes).
"""

from __future__ import annotations

import io

import pymupdf
from PIL import Image

from streams.document import Page, Word

A4 = (595.0, 842.0)
Item = tuple[float, float, str] | tuple[float, float, str, float]


def make_pdf(*layouts: list[Item]) -> bytes:
    """A PDF with one page per layout."""
    doc = pymupdf.open()
    font = pymupdf.Font("cjk").buffer  # ships with PyMuPDF; the base-14 fonts have no "€"
    for layout in layouts:
        page = doc.new_page(width=A4[0], height=A4[1])
        page.insert_font(fontname="F0", fontbuffer=font)
        for x, y, text, *size in layout:
            page.insert_text((x, y), text, fontsize=size[0] if size else 10, fontname="F0")
    data = doc.tobytes()
    doc.close()
    return data


def pages_of(pdf: bytes) -> list[Page]:
    """Pages with words from the text layer, boxes as fractions of the page."""
    pages = []
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        for index, page in enumerate(doc):
            w, h = page.rect.width, page.rect.height
            words = [Word(text=t, bbox=(x0 / w, y0 / h, x1 / w, y1 / h))
                     for x0, y0, x1, y1, t, *_ in page.get_text("words")]
            pages.append(Page(number=index + 1, width=w, height=h, text=page.get_text(),
                              words=words))
    return pages


def text_rect(pdf: bytes, text: str, page: int = 1) -> tuple[float, float, float, float]:
    """Where `text` is printed, as fractions of the page (PyMuPDF's own search)."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        pg = doc[page - 1]
        rect = pg.search_for(text)[0]
        return (rect.x0 / pg.rect.width, rect.y0 / pg.rect.height,
                rect.x1 / pg.rect.width, rect.y1 / pg.rect.height)


def render_jpeg(pdf: bytes, dpi: int = 200, quality: int = 90) -> bytes:
    """Page 1 as a scanned-looking JPEG."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        pix = doc[0].get_pixmap(dpi=dpi)
        img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def invoice_en() -> list[Item]:
    return [
        (50, 60, "Brightwater Analytics Ltd", 16), (50, 78, "12 Harbour Road"),
        (50, 91, "Bristol BS1 4QA, United Kingdom"), (50, 104, "VAT Reg No: GB123456789"),
        (380, 60, "INVOICE", 20), (380, 90, "Invoice Number:"), (470, 90, "INV-2024-0193"),
        (380, 104, "Invoice Date:"), (470, 104, "March 5, 2024"),
        (380, 118, "Due Date:"), (470, 118, "04/04/2024"),
        (50, 150, "Bill To:"), (50, 163, "Harlow Medical Group"), (50, 176, "8 Mill Lane, York"),
        (50, 230, "Description"), (330, 230, "Qty"), (390, 230, "Unit Price"),
        (490, 230, "Amount"),
        (50, 250, "Data pipeline consulting"), (335, 250, "10"), (390, 250, "£120.00"),
        (490, 250, "£1,200.00"),
        (50, 265, "Dashboard licence"), (335, 265, "2"), (390, 265, "£45.50"),
        (490, 265, "£91.00"),
        (390, 310, "Subtotal"), (490, 310, "£1,291.00"),
        (390, 324, "VAT 20%"), (490, 324, "£258.20"),
        (390, 338, "Total Due"), (490, 338, "£1,549.20"),
    ]


def invoice_de() -> list[Item]:
    return [
        (50, 50, "Kessler & Vogt GmbH - Am Hafen 3 - 20457 Hamburg", 7),
        (50, 90, "Weber Bau AG"), (50, 103, "Lindenstraße 18"), (50, 116, "80331 München"),
        (50, 170, "Rechnung", 16),
        (50, 195, "Rechnungsnr."), (150, 195, "RE-77812"),
        (50, 209, "Rechnungsdatum"), (150, 209, "14. Februar 2024"),
        (50, 223, "Fällig am"), (150, 223, "28.02.2024"),
        (50, 260, "Pos."), (90, 260, "Beschreibung"), (330, 260, "Menge"),
        (390, 260, "Einzelpreis"), (480, 260, "Betrag"),
        (50, 278, "1"), (90, 278, "Wartungsvertrag Heizung"), (335, 278, "1"),
        (390, 278, "850,00"), (480, 278, "850,00"),
        (50, 292, "2"), (90, 292, "Ersatzteile Pumpe"), (335, 292, "3"),
        (390, 292, "42,30"), (480, 292, "126,90"),
        (360, 330, "Nettobetrag"), (480, 330, "976,90 EUR"),
        (360, 344, "MwSt. 19 %"), (480, 344, "185,61 EUR"),
        (360, 358, "Gesamtbetrag"), (480, 358, "1.162,51 EUR"),
        (50, 780, "Kessler & Vogt GmbH", 7), (50, 789, "USt-IdNr. DE 812 345 678", 7),
        (250, 780, "IBAN DE89 3704 0044 0532 0130 00", 7),
    ]


def invoice_fr() -> list[Item]:
    return [
        (50, 60, "ATELIER LUMEN SARL", 14), (50, 76, "4 rue des Tanneurs"),
        (50, 89, "69002 Lyon"), (50, 102, "N° TVA : FR 40 123456824"),
        (330, 140, "Client : Maison Ferrand"), (330, 153, "17 avenue Foch, 75016 Paris"),
        (50, 200, "Facture n° F2024-118 du 12 mars 2024", 13),
        (50, 218, "Date d'échéance : 11/04/2024"),
        (50, 250, "Désignation"), (300, 250, "Quantité"), (380, 250, "P.U. HT"),
        (470, 250, "Montant HT"),
        (50, 268, "Restauration de luminaire"), (310, 268, "1"), (380, 268, "640,00 €"),
        (470, 268, "640,00 €"),
        (50, 282, "Déplacement"), (310, 282, "2"), (380, 282, "35,00 €"), (470, 282, "70,00 €"),
        (380, 320, "Total HT :"), (470, 320, "710,00 €"),
        (380, 334, "TVA 20% :"), (470, 334, "142,00 €"),
        (380, 348, "Total TTC :"), (470, 348, "852,00 €"),
    ]


def invoice_nl() -> list[Item]:
    return [
        (60, 50, "FACTUUR", 20), (400, 50, "Groenveld Techniek B.V."),
        (400, 63, "Kanaalweg 12"), (400, 76, "3526 KL Utrecht"), (400, 102, "KvK 81234567"),
        (400, 115, "BTW NL859012345B01"),
        (60, 100, "Bakkerij De Korenbloem"), (60, 113, "Dorpsstraat 5"), (60, 126, "1234 AB Ede"),
        (60, 170, "Factuurnummer: 2024-0457"), (60, 184, "Factuurdatum: 3 april 2024"),
        (60, 198, "Vervaldatum: 17 april 2024"),
        (60, 240, "Omschrijving"), (300, 240, "Aantal"), (360, 240, "Prijs"), (470, 240, "Bedrag"),
        (60, 258, "Onderhoud koelcel"), (305, 258, "1"), (360, 258, "€ 395,00"),
        (470, 258, "€ 395,00"),
        (60, 272, "Filterset"), (305, 272, "4"), (360, 272, "€ 12,50"), (470, 272, "€ 50,00"),
        (360, 310, "Subtotaal"), (470, 310, "€ 445,00"),
        (360, 324, "BTW 21%"), (470, 324, "€ 93,45"),
        (360, 338, "Totaal"), (470, 338, "€ 538,45"),
    ]


def invoice_us() -> list[Item]:
    return [
        (50, 60, "INVOICE", 22), (50, 95, "Northwind Traders", 13), (50, 110, "500 Market Street"),
        (50, 123, "San Francisco, CA 94105"), (50, 136, "Phone: (415) 555-0100"),
        (360, 95, "Invoice #: 10023"), (360, 109, "Date: 01/05/2024"),
        (360, 123, "Due Date: 01/20/2024"),
        (50, 180, "Bill To"), (50, 193, "Contoso Pharmacy"), (50, 206, "77 Elm Ave, Austin TX"),
        (50, 250, "Item"), (300, 250, "Qty"), (370, 250, "Rate"), (480, 250, "Amount"),
        (50, 268, "Espresso beans 1kg"), (305, 268, "12"), (370, 268, "$18.50"),
        (480, 268, "$222.00"),
        (370, 310, "Sales Tax (8.25%)"), (480, 310, "$18.32"),
        (370, 324, "Amount Due"), (480, 324, "$240.32"),
    ]


def receipt() -> list[Item]:
    return [
        (200, 60, "KEDAI RUNCIT SRI MAJU SDN BHD", 11), (250, 74, "(123456-K)"),
        (215, 88, "NO 7, JALAN MAWAR 3, TAMAN MAWAR"), (225, 102, "43000 KAJANG, SELANGOR"),
        (235, 116, "TEL: 03-8737 1234"), (240, 130, "GST ID: 001234567890"),
        (250, 150, "TAX INVOICE"), (180, 170, "Date: 07/03/2018  14:22"),
        (180, 200, "MILO 1KG"), (370, 200, "18.90"), (180, 214, "ROTI GARDENIA"),
        (370, 214, "3.80"),
        (180, 240, "Total Sales (Excl GST)"), (370, 240, "21.41"),
        (180, 254, "GST 6%"), (370, 254, "1.29"),
        (180, 268, "Total Incl. GST"), (370, 268, "RM 22.70"),
        (180, 282, "CASH"), (370, 282, "50.00"), (180, 296, "CHANGE"), (370, 296, "27.30"),
    ]
