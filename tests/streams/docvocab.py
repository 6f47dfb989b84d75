"""Words for generated documents: labels per language, names, streets, towns, currencies.

Names and streets come in two disjoint pools, `tune` and `holdout`, so a document of the
never-tuned split never shows a name the rules were tuned on.
"""

from __future__ import annotations

LANGS = ("en", "de", "fr", "nl")

LABELS: dict[str, dict[str, list[str]]] = {
    "en": {
        "total": ["TOTAL", "Total", "Grand Total", "Total Amount", "TOTAL DUE"],
        "subtotal": ["Subtotal", "Sub Total", "Net amount"],
        "tax": ["VAT 20%", "Tax", "GST 6%", "Sales Tax"],
        "incl": ["incl. VAT", "Tax included", "VAT included"],
        "rounding": ["Rounding", "Rounding Adj", "Round off"],
        "payable": ["Amount payable", "Total Rounded", "Net payable"],
        "cash": ["CASH", "Cash tendered", "Tendered"], "change": ["CHANGE", "Change due"],
        "due0": ["Amount due", "Balance due"], "paid": ["Paid by card", "Card payment"],
        "date": ["Date", "Date:", "Invoice Date"], "time": ["Time"], "invno": ["Invoice No."],
        "due": ["Due Date"], "bill": ["Bill To", "Billing contact", "Customer", "Sold To"],
        "seller": ["Seller:", "Supplier:"], "buyer": ["Buyer:", "Customer:"],
        "merchant": ["Merchant Number", "Merchant ID"], "owned": ["owned by", "Operated by"],
        "tel": ["Tel", "Phone"], "vat": ["VAT No", "VAT Reg No"], "items": ["Description"],
        "qty": ["Qty"], "price": ["Unit Price"], "amount": ["Amount"], "printed": ["Printed"],
        "thanks": ["Thank you for shopping with us"], "invoice": ["INVOICE", "TAX INVOICE"],
        "receipt": ["RECEIPT", "CASH RECEIPT"], "summary": ["Summary"],
        "ship": ["Ship To", "Deliver To"], "discount": ["Discount"],
        "shipping": ["Shipping", "Delivery charge"],
    },
    "de": {
        "total": ["SUMME", "Summe", "Gesamtbetrag", "Gesamt", "Rechnungsbetrag"],
        "subtotal": ["Zwischensumme", "Nettobetrag"], "tax": ["MwSt 19%", "USt 19%"],
        "incl": ["inkl. MwSt", "enth. MwSt", "darin MwSt"], "rounding": ["Rundung"],
        "payable": ["Zu zahlen", "Zahlbetrag"], "cash": ["BAR", "Gegeben"],
        "change": ["Rückgeld", "Zurück"], "due0": ["Offener Betrag", "Restbetrag"],
        "paid": ["Kartenzahlung", "EC-Karte"], "date": ["Datum", "Datum:", "Rechnungsdatum"],
        "time": ["Uhrzeit"], "invno": ["Rechnungsnr."], "due": ["Fällig am"],
        "bill": ["Rechnungsempfänger", "Kunde", "Rechnungsadresse"], "seller": ["Verkäufer:"],
        "buyer": ["Käufer:"], "merchant": ["Händlernummer", "Händler-ID"],
        "owned": ["Betreiber", "ein Betrieb der"], "tel": ["Tel", "Telefon"],
        "vat": ["USt-IdNr."], "items": ["Bezeichnung"], "qty": ["Menge"], "price": ["Preis"],
        "amount": ["Betrag"], "printed": ["Gedruckt"], "thanks": ["Vielen Dank für Ihren Einkauf"],
        "invoice": ["RECHNUNG"], "receipt": ["KASSENBON", "BELEG"], "summary": ["Übersicht"],
        "ship": ["Lieferadresse", "Lieferung an"], "discount": ["Rabatt"],
        "shipping": ["Versand", "Versandkosten"],
    },
    "fr": {
        "total": ["TOTAL", "Total TTC", "Montant total", "Net à payer"],
        "subtotal": ["Total HT", "Sous-total"], "tax": ["TVA 20%", "TVA"],
        "incl": ["dont TVA", "TVA incluse"], "rounding": ["Arrondi"],
        "payable": ["Montant à payer", "Net à payer arrondi"], "cash": ["ESPECES", "Espèces"],
        "change": ["Rendu", "Monnaie rendue"], "due0": ["Reste à payer", "Solde dû"],
        "paid": ["Payé par carte", "CB"], "date": ["Date", "Date :", "Date de facture"],
        "time": ["Heure"], "invno": ["Facture n°"], "due": ["Date d'échéance"],
        "bill": ["Facturé à", "Client", "Adresse de facturation"], "seller": ["Vendeur :"],
        "buyer": ["Acheteur :"], "merchant": ["Numéro commerçant"], "owned": ["exploité par"],
        "tel": ["Tél"], "vat": ["N° TVA"], "items": ["Désignation"], "qty": ["Qté"],
        "price": ["Prix"], "amount": ["Montant"], "printed": ["Imprimé le"],
        "thanks": ["Merci de votre visite"], "invoice": ["FACTURE"], "receipt": ["TICKET"],
        "summary": ["Récapitulatif"], "ship": ["Livré à", "Adresse de livraison"],
        "discount": ["Remise"], "shipping": ["Frais de port", "Livraison"],
    },
    "nl": {
        "total": ["TOTAAL", "Totaal", "Totaalbedrag", "Te betalen"],
        "subtotal": ["Subtotaal", "Totaal excl. BTW"], "tax": ["BTW 21%", "BTW"],
        "incl": ["incl. BTW", "waarvan BTW"], "rounding": ["Afronding"],
        "payable": ["Te betalen", "Totaal afgerond"], "cash": ["CONTANT", "Contant"],
        "change": ["Wisselgeld", "Terug"], "due0": ["Openstaand", "Nog te betalen"],
        "paid": ["Betaald met pin", "PIN"], "date": ["Datum", "Datum:", "Factuurdatum"],
        "time": ["Tijd"], "invno": ["Factuurnummer"], "due": ["Vervaldatum"],
        "bill": ["Factuuradres", "Klant", "Gefactureerd aan"], "seller": ["Verkoper:"],
        "buyer": ["Koper:"], "merchant": ["Merchant Number"], "owned": ["onderdeel van"],
        "tel": ["Tel"], "vat": ["BTW-nr"], "items": ["Omschrijving"], "qty": ["Aantal"],
        "price": ["Prijs"], "amount": ["Bedrag"], "printed": ["Afgedrukt"],
        "thanks": ["Bedankt voor uw bezoek"], "invoice": ["FACTUUR"], "receipt": ["KASSABON"],
        "summary": ["Overzicht"], "ship": ["Afleveradres", "Leveradres"],
        "discount": ["Korting"], "shipping": ["Verzendkosten"],
    },
}

MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "de": "Jan Feb März Apr Mai Juni Juli Aug Sep Okt Nov Dez",
    "fr": "janv févr mars avr mai juin juil août sept oct nov déc",
    "nl": "jan feb mrt apr mei jun jul aug sep okt nov dec",
}

LEGAL = {"en": ["Ltd", "Limited", "LLC", "PLC", "Sdn Bhd"], "de": ["GmbH", "AG", "KG"],
         "fr": ["SARL", "SAS", "S.A."], "nl": ["B.V.", "BV", "N.V."]}

# Trading names: first words + kinds; tune and holdout pools share no word.
NAMES = {
    "tune": (["Golden", "Sunrise", "Harbour", "Lotus", "Maple", "Riverside", "Eastgate",
              "Pinewood", "Silver Oak", "Kingfisher", "Bluebell", "Copperleaf"],
             ["Bakery", "Hardware", "Trading", "Pharmacy", "Stationery", "Cafe", "Market",
              "Electrical", "Books", "Florist"]),
    "holdout": (["Northstar", "Amberline", "Crescent", "Willowbrook", "Redstone", "Seabreeze",
                 "Highfield", "Evergreen", "Moonlight", "Foxglove", "Ironbridge", "Tulip"],
                ["Grocers", "Supplies", "Enterprise", "Kitchen", "Optics", "Textiles",
                 "Tool Centre", "Deli", "Print Shop", "Garden Centre"]),
}
PEOPLE = {
    "tune": ["Harlow Medical Group", "Weber Bau", "Maison Ferrand", "De Korenbloem",
             "Contoso Pharmacy", "Orchard Dental Clinic"],
    "holdout": ["Brookside Veterinary", "Falkner Logistik", "Atelier Morel",
                "Van Dijk Installaties", "Summit Legal Partners", "Quayside Fitness"],
}
STREETS = {
    "en": (["Harbour Road", "Mill Lane", "Station Street", "Market Avenue", "Jalan Mawar",
            "Jalan Bunga Raya", "Kings Road", "Church Lane"],
           ["Bristol BS1 4QA", "York YO1 7HH", "43000 Kajang, Selangor", "Leeds LS2 8JS",
            "81300 Skudai, Johor", "Norwich NR2 1AB"]),
    "de": (["Lindenstraße", "Hafenweg", "Bahnhofstraße", "Marktplatz", "Gartenweg"],
           ["20457 Hamburg", "80331 München", "50667 Köln", "04109 Leipzig", "28195 Bremen"]),
    "fr": (["rue des Tanneurs", "avenue Foch", "boulevard Voltaire", "place du Marché"],
           ["69002 Lyon", "75016 Paris", "13001 Marseille", "31000 Toulouse"]),
    "nl": (["Kanaalweg", "Dorpsstraat", "Stationsplein", "Molenlaan", "Herengracht"],
           ["3526 KL Utrecht", "1234 AB Ede", "1012 AB Amsterdam", "2511 CV Den Haag"]),
}
CURRENCIES = {"en": ["GBP", "USD", "MYR", "EUR"], "de": ["EUR", "CHF"], "fr": ["EUR", "CHF"],
              "nl": ["EUR"]}
SYMBOL = {"GBP": "£", "USD": "$", "EUR": "€", "MYR": "RM", "CHF": "CHF"}
ITEMS = ["Coffee beans 1kg", "Milk 1L", "Printer paper A4", "Cable ties", "LED bulb",
         "Notebook", "Bread roll", "Orange juice", "Screwdriver set", "Batteries AA",
         "Green tea", "Dish soap", "Envelopes", "Glue stick", "Tomatoes", "Rice 5kg"]
