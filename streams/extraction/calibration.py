"""Calibrated confidence: the probability that an extracted value is right, from evidence.

Every non-null value is described by a few numbers in 0..1 (`features`):

    found    grounding: 1 printed exactly, 0.5 only fuzzily, 0 not on the page
    prior    the extractor's own score for the value (the local rules' label tier; for a model,
             its agreement with the local rules on the same pages: see `llm_prior`)
    margin   how far the chosen candidate led the best rival value (0 = a tie, 1 = no rival)
    ocr      OCR's certainty about the words the value was read from: for each word, the score
             of its least sure letter or digit, averaged over the words (1 for a text layer).
             One misread digit ("16" for "15") hardly moves the line's mean score; it does
             move the least sure character's
    shape    whether the text looks like what the field holds (`shape`): a name without
             digits or document-title words, an address with a number, a street word or a
             postcode and no phone or registration line in it; 1 for typed values (amounts,
             dates, codes)
    top      for names: printed in the top third of its page (a shop's name heads its
             receipt; item lines below it are not names); for an address, the same of the
             name it belongs to (an address under a doubtful name is doubtful); 1 otherwise
    first    for names: 1 / (1 + the rows above it on its page that read like a name), so 1
             when nothing name-like is printed above it; a mall's, an owner's or a trading
             name above the one taken is a rival for the shop's name. An address takes its
             name's. 1 for other kinds
    agree    1 when a cross-field check that reads the value passed
    fail     1 when one failed

and its kind (amount, date, name, address, id, code, items). The confidence is a logistic model
over them: sigmoid(BIAS[kind] + sum(WEIGHTS[group][f] * x_f)). Amounts, names and addresses
each have their own weights and the other kinds share one set, because the same evidence means
different things for a total and for a shop's name. The constants below were fitted by `python
-m bench.fit_confidence` (bench/logistic.py has the method: penalised logistic regression,
penalty chosen by 5-fold cross-validation over documents, real documents weighted to count as
much as the generated ones) on tuning documents only: ../shared/samples/invoices and receipts,
three quarters of receipts-more (`bench.realsplit`: all but every fourth in name order), and
generated scans of the tuning split (`tests.streams.scangen --split tune`, seeds 11, 12 and 13,
plus 90 of seed 12's degraded further), and three degraded copies of the real tuning receipts
(`--degrade` seeds 7, 8 and 9), which count with the generated ones; 4,242 values, 95 of them
wrong (477 values from real documents, 9 of them wrong). The copies are where OCR misreads
real layouts, so they teach the model what the `ocr` evidence is worth: with them,
cross-validated AUROC on the copies rose from 0.78 to 0.86, on the generated scans from 0.86
to 0.89, and stayed 0.95 on the real receipts. The documents it is scored on (the held-out
quarter of receipts-more, generated seeds 900 and above) were never used to fit it. Every
weight but the failing check's is constrained to be >= 0, so confidence never falls when
evidence improves (README, "Extraction quality", has the figures). The last refit came with
a value the local extractor cleaned up keeping its own citation (grounding.py): before, such
a value had no citation, so it counted as read with perfect OCR at the top of its page. On
three degraded copies of the real tuning receipts kept out of the fit (`--degrade` seeds 21,
22, 23), AUROC rose from 0.910, 0.922 and 0.899 to 0.931, 0.933 and 0.912; auto-accept
precision moved from 0.986, 0.982 and 0.989 to 0.983, 0.975 and 0.986, with coverage up.

Four rules sit on top of the model, because no amount of other evidence makes them right:
a value named by a failed check gets at most FAILED_CAP, and one named by a failed
plausibility check (negative amount, zero total, impossible date) at most IMPLAUSIBLE_CAP.
An amount read by OCR that no arithmetic check confirms gets at most UNCONFIRMED_SCAN_CAP:
OCR misreads digits with high recognition scores (78.30 as 76.30, 4.00 as 4.20), which no
other evidence can see. On the real tuning receipts (after tuning the rules on them), 25 of
26 such totals were right: 0.96, below the 0.98 an auto-accepted value must reach.
A model's answer that is not on the page at all gets at most FAILED_CAP: the local rules
always read from the page, so the fit cannot learn what an answer from nowhere is worth.
Null values have confidence 0. A model's answer is scored with the same model; what differs
is its prior (agreement with the text layer) since models give no usable score of their own.
These LLM priors are set by hand, not fitted: there are no real model answers to fit on here.
"""

from __future__ import annotations

import math
import re
from typing import Any

from config.schemas import FieldSpec
from streams.extraction.names import STREET_WORD

FEATURES = ("found", "prior", "margin", "ocr", "shape", "top", "first", "agree", "fail")
KINDS = ("amount", "date", "name", "address", "id", "code", "items")
# fitted by bench/fit_confidence.py; see the module docstring
GROUPS = {"amount": "amount", "name": "name", "address": "address", "date": "other",
          "id": "other", "code": "other", "items": "other"}
WEIGHTS: dict[str, dict[str, float]] = {
    "amount": {"found": 0.0, "prior": 2.601, "margin": 1.289, "ocr": 5.485, "shape": 0.171,
        "top": 0.0, "first": 1.458, "agree": 2.747, "fail": -4.778},
    "name": {"found": 0.0, "prior": 0.0, "margin": 2.766, "ocr": 4.396, "shape": 0.171,
        "top": 1.475, "first": 3.587, "agree": 1.432, "fail": -2.891},
    "address": {"found": 0.221, "prior": 0.0, "margin": 1.128, "ocr": 7.064, "shape": 1.137,
        "top": 0.0, "first": 1.458, "agree": 1.432, "fail": -2.891},
    "other": {"found": 0.073, "prior": 0.0, "margin": 1.128, "ocr": 6.182, "shape": 0.306,
        "top": 0.135, "first": 1.593, "agree": 1.432, "fail": -3.271},
}
BIAS: dict[str, float] = {"amount": -6.541, "date": -3.646, "name": -4.862, "address": -4.018,
                          "id": -1.162, "code": 0.879, "items": 0.549}
FAILED_CAP = 0.5
IMPLAUSIBLE_CAP = 0.2
UNCONFIRMED_SCAN_CAP = 0.85
PLAUSIBILITY = {"amounts_not_negative", "total_not_zero", "dates_plausible"}
ARITHMETIC = {"subtotal_plus_tax_equals_total", "line_items_sum_to_subtotal",
              "quantity_times_unit_price_equals_amount", "tendered_minus_change_equals_total"}
# OCR's least sure character under this (`ocr`): a person should read the print. Values read
# so unsure were wrong 6% of the time on the tuning sets, against 0.4% above it.
UNSURE_READ = 0.7
NO_MARGIN = 0.5  # a value picked without rivals being compared (positional fallbacks)
LLM_PRIOR = {"agree": 0.9, "local_null": 0.6, "differ": 0.3}


def kind_of(name: str, spec: FieldSpec) -> str:
    if spec.type == "array":
        return "items"
    if spec.type in ("amount", "number", "integer"):
        return "amount"
    if spec.type == "date":
        return "date"
    if spec.type in ("currency", "boolean"):
        return "code"
    if name.endswith("address"):
        return "address"
    if name.endswith(("_id", "_number", "_no", "_code", "_ref", "reference")):
        return "id"
    return "name"


_TITLE = re.compile(r"(?i)\b(?:tax\s*)?(?:invoice|receipt|ticket|bill|facture|rechnung|factuur|"
                    r"quittung|bon|kassenbon|reçu|recu|cash\s*sale|order|summary)\b")
_POSTCODE = re.compile(r"(?<![\d.,/-])\d{4,6}(?![\d.,/-])")
_NOT_ADDRESS = re.compile(r"(?i)\b(?:tel|phone|fax|mobile|hp|www|http|e-?mail|gst|vat|reg|"
                          r"co\.?\s*no|company\s*no|tax\s*id|siret|kvk|ust)\b|@|\d{6,}")


def shape(kind: str, value: object) -> float:
    """How much `value` looks like a value of its kind (0..1); typed values are 1."""
    text = str(value).strip()
    letters = sum(ch.isalpha() for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    if kind == "name":
        if letters < 3 or _TITLE.fullmatch(text.strip(" :.-")):
            return 0.0
        return 0.4 if digits else (0.7 if len(text.split()) == 1 else 1.0)
    if kind == "address":
        if letters < 5:
            return 0.0
        if _NOT_ADDRESS.search(text):
            return 0.3
        if not digits or len(text.split()) < 3:
            return 0.5
        # a street word or a postcode; item codes ("1.2012-0043") have neither
        return 1.0 if STREET_WORD.search(text) else 0.8 if _POSTCODE.search(text) else 0.5
    return 1.0


def features(evidence: dict[str, float], ocr: float | None, agree: bool,
             fail: bool, kind: str = "", value: object = None,
             y: float | None = None, above: int = 0) -> dict[str, float]:
    """The model's inputs for one value; `y` is the top of its first citation (0..1), for an
    address that of its party's name."""
    margin = evidence.get("margin")
    return {
        "shape": shape(kind, value),
        "top": 1.0 if kind not in ("name", "address") or y is None else max(0.0, 1.0 - 3.0 * y),
        "first": 1.0 if kind not in ("name", "address") else 1.0 / (1 + above),
        "found": float(evidence.get("found", 0.0)),
        "prior": min(1.0, max(0.0, float(evidence.get("prior", 0.5)))),
        "margin": NO_MARGIN if margin is None else min(1.0, max(0.0, 2 * float(margin))),
        "ocr": 1.0 if ocr is None else ocr,
        "agree": float(agree),
        "fail": float(fail),
    }


def probability(kind: str, x: dict[str, float]) -> float:
    weights = WEIGHTS[GROUPS.get(kind, "name")]
    z = BIAS.get(kind, BIAS["name"]) + sum(weights[f] * x[f] for f in FEATURES)
    return 1.0 / (1.0 + math.exp(-z))


def confidence(kind: str, x: dict[str, float], failed_rules: set[str],
               unconfirmed_scan: bool = False, model: bool = False) -> float:
    """The calibrated confidence of one value, with the caps of failed checks applied, of an
    amount read by OCR that no arithmetic check confirmed (`unconfirmed_scan`), and of a
    model's answer that is not on the page (`model`)."""
    p = probability(kind, x)
    if model and x["found"] == 0:
        p = min(p, FAILED_CAP)
    if failed_rules:
        p = min(p, IMPLAUSIBLE_CAP if failed_rules & PLAUSIBILITY else FAILED_CAP)
    elif unconfirmed_scan:
        p = min(p, UNCONFIRMED_SCAN_CAP)
    return round(p, 3)


def llm_prior(answer: Any, local: Any, same: bool) -> float:
    """A model's prior: whether the local rules read the same value from the text layer."""
    if same:
        return LLM_PRIOR["agree"]
    return LLM_PRIOR["local_null"] if local is None else LLM_PRIOR["differ"]
