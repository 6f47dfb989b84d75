"""Label lexicons (English, German, French, Dutch, some Malay) compiled into OCR-tolerant regexes.

Each field has tiers of labels (3 = unambiguous, 2 = generic, 1 = weak hint) and one regex of
words that disqualify a label ("Subtotal" is not "Total", "Uw BTW nummer" is not ours).
Labels match without a trailing word boundary because OCR glues words ("TotalSales").
"""

from __future__ import annotations

import re

# OCR mixes up these characters in printed labels (Tota1, INV0ICE, lnclusive).
_OCR = {"o": "[o0]", "i": "[il1!|]", "l": "[l1i!|]", "s": "[s5]",
        # and drops accents and umlauts ("Fallig", "Montant a payer", "StraBe")
        "ä": "[äa]", "ö": "[öo]", "ü": "[üu]", "à": "[àa]", "â": "[âa]", "é": "[ée]",
        "è": "[èe]", "ê": "[êe]", "ç": "[çc]", "ß": "(?:ß|ss|B)"}


def _word(text: str) -> str:
    out = []
    for index, ch in enumerate(text):
        if ch == " ":
            out.append(r"[\s._:-]*")  # words may be glued, dotted or hyphenated
        elif ch in ".-/#°'" and index and text[index:] != "#":
            out.append(re.escape(ch) + "?")  # a final "#" stays: "inv#" must not find "INV2024"
        else:
            out.append(_OCR.get(ch, re.escape(ch)))
    return "".join(out)


def rx(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive regex for label `alternatives`, tolerant of OCR and glued words.

    Alternatives match as word prefixes ("excl" finds "Excluding"); a leading "=" makes one
    match only as a whole word ("=ht" must not find "HTML").
    """
    parts = []
    for alt in sorted({a.casefold() for a in alternatives}, key=len, reverse=True):
        whole = alt.startswith("=")
        parts.append(_word(alt.lstrip("=")) + (r"(?![a-zà-ÿ])" if whole else ""))
    return re.compile(rf"(?<![a-zà-ÿ])(?:{'|'.join(parts)})", re.IGNORECASE)


TOTAL = {
    3: rx("grand total", "total amount", "amount due", "balance due", "total due", "total to pay",
          "total payable", "amount payable", "amtpayable", "total incl", "total ttc",
          "montant ttc", "net à payer", "net a payer", "somme à payer", "total à payer",
          "montant à payer", "montant total", "gesamtbetrag", "rechnungsbetrag", "endbetrag",
          "zu zahlen", "zahlbetrag", "gesamtsumme", "te betalen", "totaalbedrag",
          "factuur totaal", "factuurbedrag", "total facture", "total rounded", "totalrounded",
          "rounded total", "total after", "total sales incl", "jumlah", "invoice total",
          "total inclusive", "total including", "net payable", "totaal afgerond",
          "amount to pay", "total to be paid"),
    2: rx("total", "tolal", "iuial", "tutal", "totaal", "summe", "gesamt", "totale", "nett total",
          "net total"),
}
TOTAL_EXCLUDE = rx(
    "sub", "excl", "exkl", "exclusief", "hors", "netto", "before", "qty", "quantity", "item",
    "pcs", "menge", "anzahl", "aantal", "discount", "rabatt", "korting", "remise", "saving",
    "rounding adj", "change", "tendered", "points", "weight", "=ht", "net amount", "unit",
    "price", "prijs", "preis", "prix", "total qty", "total item", "=cash",
)
TAX_WORDS = rx("tax", "gst", "vat", "mwst", "=ust", "btw", "tva", "steuer", "total tax",
               "total gst", "total vat")
TAX_INCLUDED = rx("incl", "inkl", "inclusief", "=ttc", "including", "inclusive")
# "incl. VAT 19% 3.19": the tax inside the total, printed under it (a tax, never the total).
TAX_INCLUDED_LINE = rx(
    "incl. vat", "incl. tax", "incl. gst", "incl. btw", "inkl. mwst", "inkl. ust", "enth. mwst",
    "darin mwst", "dont tva", "tva incluse", "waarvan btw", "vat included", "tax included",
    "gst included", "btw inbegrepen", "included vat", "included tax", "includes vat",
    "includes gst", "mwst enthalten", "included in total", "incl. in total",
)
TOTAL_WORDS = rx("total", "totaal", "summe", "gesamt", "jumlah", "amount", "betrag", "bedrag",
                 "payable", "à payer", "a payer", "zu zahlen", "te betalen")
ROUNDING = rx("rounding", "round off", "round adj", "rundung", "arrondi", "afronding",
              "pembundaran")
TENDERED = rx("cash tendered", "tendered", "=cash", "=tunai", "=bar", "gegeben", "espèces",
              "especes", "contant", "=received", "paid amount", "amount paid")
CHANGE = rx("change", "=baki", "rückgeld", "=zurück", "=rendu", "monnaie rendue", "wisselgeld",
            "=terug", "kembalian")

SUBTOTAL = {
    3: rx("total ht", "montant ht", "montant eur ht", "total eur ht", "total hors taxes",
          "montant hors taxes", "nettobetrag",
          "summe netto", "netto summe", "gesamt netto", "nettosumme", "grondslag",
          "taxable amount", "total before tax", "amount before tax", "net amount",
          "total excl", "totaal excl", "excl. btw", "exclusief btw", "excl. vat", "excl vat",
          "excluding gst", "excluding vat", "excl. gst", "excl.gst", "exkl. mwst",
          "ex gst", "ex vat", "amt.excl"),
    2: rx("subtotal", "sub-total", "sub total", "subtotaal", "zwischensumme", "sous-total",
          "sous total", "totaal excl"),
}
SUBTOTAL_EXCLUDE = rx("price", "prijs", "preis", "prix", "unit", "per stuk", "stückpreis", "p.u",
                      "=ttc", "incl")

TAX = {
    3: rx("total tax", "total gst", "total vat", "tax amount", "vat amount", "gst amount",
          "montant tva", "total tva", "btw bedrag", "btw-bedrag", "mwst betrag", "mwst.-betrag",
          "ust betrag", "umsatzsteuer", "steuerbetrag", "sales tax", "gst payable", "tax total",
          "totaltax", "totalgst"),
    2: rx("=tax", "=vat", "=gst", "=mwst", "=ust", "=btw", "=tva", "=iva", "=sst", "=hst"),
}
TAX_EXCLUDE = rx(
    "incl", "inkl", "inclusief", "excl", "exkl", "exclusief", "=ttc", "=ht", "invoice",
    "rechnung", "factuur", "facture", "=id", "=no", "=nr", "number", "nummer", "numéro", "=reg",
    "ident", "=tin", "gstin", "summary", "code", "=rate", "satz", "tarief", "taux", "#",
    "grondslag", "basis", "total sales", "acquitt", "ohne", "prijs", "price", "preis",
)

DATE = {
    3: rx("invoice date", "invoice dt", "date of invoice", "date of issue", "issue date",
          "issued on", "billing date", "bill date", "rechnungsdatum", "ausstellungsdatum",
          "factuurdatum", "factuur datum", "datum factuur", "date de facture",
          "date de la facture", "date facture", "date d'émission", "receipt date",
          "document date", "belegdatum", "tax point", "leistungsdatum"),
    2: rx("=date", "=datum", "=dated", "=tarikh", "=fecha"),
}
INVOICE_DATE_AFTER_NUMBER = re.compile(
    r"(?:facture|rechnung|factuur|invoice)\b.{0,40}?\b(?:du|vom|van|dated|of)\b", re.IGNORECASE
)
DATE_EXCLUDE = rx(
    "due", "échéance", "echeance", "fällig", "verval", "order", "bestel", "commande", "delivery",
    "lieferdatum", "leverdatum", "livraison", "shipping", "check", "print", "limite",
    "gedruckt", "imprimé", "afgedrukt",
    "payment", "zahlung", "betaal", "start", "=end", "period", "valid", "expir", "birth",
    "prélèvement", "=from", "until", "=bis", "=tot", "=to", "closed",
)

DUE = {
    3: rx("due date", "date due", "payment due", "due on", "due by", "pay by", "payable by",
          "fällig am", "fälligkeitsdatum", "fälligkeit", "zahlbar bis", "zahlungsziel",
          "vervaldatum", "vervaldag", "uiterste betaaldatum", "betalen voor", "échéance",
          "date d'échéance", "date limite de paiement", "à payer avant", "à régler avant",
          "payer avant"),
    2: rx("=due", "fällig"),
}

INVOICE_NUMBER = {
    3: rx("invoice number", "invoice no", "invoice nr", "invoice num", "invoice #", "invoice#",
          "invoice id", "invoice ref", "inv no", "inv#", "inv. no", "rechnungsnummer",
          "rechnungsnr", "rechnung nr", "rechnungs-nr", "factuurnummer", "factuurnr",
          "factuur nr", "factuur nummer", "n° de facture", "numéro de facture",
          "no de facture", "facture n°", "facture no", "facture numéro", "bill no",
          "bill number", "receipt no", "receipt number", "receipt #", "document no",
          "doc no", "belegnummer", "beleg-nr", "slip no"),
    2: rx("=invoice", "=rechnung", "=factuur", "=facture", "=bill"),
    1: rx("booking id", "booking no", "booking number", "booking ref", "reservation number",
          "confirmation number", "reference", "ref no", "referentie", "référence", "kenmerk",
          "transaction id"),
}
NUMBER_EXCLUDE = rx(
    "kunden", "customer", "client", "klant", "account", "konto", "order", "bestell",
    "commande", "vat", "tax id", "btw", "tva", "=ust", "page", "seite", "contract", "dossier",
    "date", "datum", "total", "amount", "for this",
)

VAT_ID = rx(
    "vat", "vat no", "vat reg", "vat number", "vat id", "ust-idnr", "ustid", "ust-id",
    "ust id", "umsatzsteuer-id", "ust.-id", "steuernummer", "btw", "btw-nr", "btw nummer",
    "tva intra", "n° tva", "n° de tva", "numéro de tva", "tva", "gst reg",
    "gst id", "gst no", "gstin", "=tin", "tax id", "tax reg", "=abn", "=nif", "=cif"
)
VAT_EXCLUDE = rx("=uw", "your", "customer", "client", "kunde", "=ihre", "votre", "acheteur",
                 "buyer", "klant", "ship to", "bill to")

VENDOR = rx(
    "sold by", "seller", "vendor", "supplier", "service provider", "issued by", "verkäufer",
    "lieferant", "leverancier", "fournisseur", "vendeur", "payable to", "titulaire du compte",
    "kontoinhaber", "rekeninghouder", "ten name van", "account holder", "account name",
    "beneficiary", "begünstigter", "bénéficiaire", "merchant", "händler",
)
# Where goods go: the customer only when no label says who is billed (`customer.py`)
_SHIP_TO = ("ship to", "deliver to", "delivery address", "shipping address", "lieferadresse",
            "lieferung an", "afleveradres", "leveradres", "adresse de livraison", "livré à")
SHIP_TO = rx(*_SHIP_TO)
CUSTOMER = rx(
    "bill to", "billed to", "invoice to", "sold to", "customer name", "customer",
    "client", "attn", "rechnungsempfänger", "rechnungsadresse", "=kunde", "factuuradres",
    "facturé à", "adresse de facturation", "billing address", "nom de l'abonné", "guest name",
    "=klant", "=to:", "=an:", "=aan:", "billing contact",
    "billing details", "invoice address", "gefactureerd aan", "factureren aan", "rechnung an",
    "=buyer", "käufer", "acheteur", "=koper", "=client", "=klant", *_SHIP_TO,
)
# A word after a party label that makes it a compound label ("Merchant Number", "Händler-ID").
PARTY_ID_WORD = re.compile(
    r"^\W{0,2}(?:number|no(?![a-z])|nr(?![a-z])|id(?![a-z])|code|nummer|numéro|numero|#|tel|"
    r"phone|address|adresse)",
    re.IGNORECASE,
)
OWNER = rx("owned by", "own by", "operated by", "managed by", "a company of", "a member of",
           "a division of", "betreiber", "betrieben von", "ein betrieb der", "exploité par",
           "exploite par", "onderdeel van", "geëxploiteerd door", "licensee")
CUSTOMER_EXCLUDE = rx("=nr", "=no", "number", "nummer", "numéro", "=id", "service", "care",
                      "code")
