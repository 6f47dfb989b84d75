"""Filename refusal (on the raw name) and sanitizing (of everything else)."""

from __future__ import annotations

import pytest

from config.errors import SuspiciousFilename
from ingest_api.filenames import (
    MAX_NAME_BYTES,
    check_filename,
    safe_filename,
    sanitize_filename,
)
from tests.ingest_api.hostile import HOSTILE_CASES

SUSPICIOUS = [
    ("invoice.pdf\x00.exe", "NUL"),
    ("invoice\u202efdp.exe", "right-to-left"),
    ("invoice\u202efdp.pdf", "right-to-left"),
    ("scan\u2067gnp.pdf", "bidi"),
    ("../invoice.pdf", "traversal"),
    ("scans/../../invoice.pdf", "traversal"),
    ("..\\..\\invoice.pdf", "traversal"),
    ("scans/.. /invoice.pdf", "traversal"),
    ("\uff0e\uff0e\uff0finvoice.pdf", "traversal"),  # fullwidth "../" after NFKC
    ("\u2025/invoice.pdf", "traversal"),  # TWO DOT LEADER is ".." after NFKC
    ("/etc/passwd.pdf", "absolute"),
    ("\\\\server\\share\\invoice.pdf", "absolute"),
    ("C:\\Users\\me\\invoice.pdf", "absolute"),
    ("c:invoice.pdf", "absolute"),
    ("CON", "device"),
    ("con.pdf", "device"),
    ("NUL.tar.gz", "device"),
    ("COM1.pdf", "device"),
    ("lpt9.png", "device"),
    ("CON .pdf", "device"),
    ("COM\u00b9.pdf", "device"),  # Windows treats superscript one as a port number too
    ("scans/AUX.pdf", "device"),
    ("setup.exe", "executable"),
    ("SETUP.EXE", "executable"),
    ("setup.exe.", "executable"),
    ("setup.exe  ", "executable"),
    ("run.sh", "executable"),
    ("x.ps1", "executable"),
    ("x.msi", "executable"),
    ("x.dll", "executable"),
    ("x.jar", "executable"),
    ("x.hta", "executable"),
    ("x.lnk", "executable"),
    ("x.scr", "executable"),
    ("x.vbs", "executable"),
    ("x.\uff45\uff58\uff45", "executable"),  # fullwidth "exe"
    ("invoice.pdf.exe", "double extension"),
    ("invoice.pdf.SCR", "double extension"),
    ("invoice.pdf:evil.exe", "executable"),  # NTFS alternate data stream
    ("evil.exe::$DATA", "executable"),
]

HARMLESS = [
    None,
    "",
    "invoice.pdf",
    "Invoice 2024-01.PDF",
    "scans/invoice.pdf",
    ".hidden.pdf",
    "Rechnung M\u00e4rz.pdf",
    "\u0641\u0627\u062a\u0648\u0631\u0629.pdf",
    "my.invoice.v2.pdf",
    "setup.exe.pdf",  # the last extension decides what opens it
    "Meeting 10:30.pdf",
    "CONSOLE.pdf",
    "com10.pdf",
    "..invoice.pdf",
    "exe",
]


@pytest.mark.parametrize(("raw", "reason"), SUSPICIOUS)
def test_suspicious_names_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(SuspiciousFilename) as caught:
        check_filename(raw)
    assert reason.lower() in caught.value.message.lower()
    assert (caught.value.code, caught.value.status) == ("suspicious_filename", 422)


@pytest.mark.parametrize("raw", HARMLESS)
def test_harmless_names_pass(raw: str | None) -> None:
    check_filename(raw)


@pytest.mark.parametrize(
    "case", [c for c in HOSTILE_CASES if c.expected_code == "suspicious_filename"], ids=str
)
def test_corpus_names_are_refused(case) -> None:
    with pytest.raises(SuspiciousFilename):
        check_filename(case.filename)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "document"),
        ("", "document"),
        ("   ", "document"),
        ("...", "document"),
        ("scans/", "document"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\invoice.pdf", "invoice.pdf"),
        ("scans/invoice.pdf", "invoice.pdf"),
        ("in\x00vo\x1fi\x7fce\x85.pdf", "invoice.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("\u200fscan\ufeff.pdf", "scan.pdf"),
        ("\uff49\uff4e\uff56\uff4f\uff49\uff43\uff45.pdf", "invoice.pdf"),
        ("\ufb01le.pdf", "file.pdf"),
        ("Ma\u0308rz.pdf", "M\u00e4rz.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("invoice.pdf. . ", "invoice.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("nul", "_nul"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("  two   words\t.pdf ", "two words.pdf"),
        ("Rechnung M\u00e4rz.pdf", "Rechnung M\u00e4rz.pdf"),
    ],
)
def test_sanitize(raw: str | None, expected: str) -> None:
    assert sanitize_filename(raw) == expected


@pytest.mark.parametrize(
    ("raw", "suffix"),
    [
        ("a" * 300 + ".pdf", ".pdf"),
        ("\u00e4" * 200 + ".pdf", ".pdf"),  # 2 bytes a character: a cut may not split one
        ("\U0001f4c4" * 100 + ".jpeg", ".jpeg"),
        ("x" * 300, "x"),
        ("a." + "b" * 300, "b"),  # a 300-character "extension" is just name
    ],
)
def test_long_names_are_capped_keeping_the_extension(raw: str, suffix: str) -> None:
    name = sanitize_filename(raw)
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert len(name.encode()) > MAX_NAME_BYTES - 4
    assert name.endswith(suffix)
    assert name.encode().decode() == name


def test_short_names_are_not_touched_by_the_cap() -> None:
    raw = "a" * (MAX_NAME_BYTES - 4) + ".pdf"
    assert sanitize_filename(raw) == raw


NASTY = [raw for raw, _ in SUSPICIOUS] + [case.filename for case in HOSTILE_CASES]


@pytest.mark.parametrize("raw", NASTY)
def test_sanitized_names_are_one_plain_component(raw: str) -> None:
    name = sanitize_filename(raw)
    assert name and not name.startswith((".", " "))
    assert not set(name) & set('/\\\x00\u202e<>:"|?*')
    assert all(ch.isprintable() for ch in name)


def test_safe_filename_refuses_before_sanitizing() -> None:
    # Sanitizing would make "passwd.pdf" of it; the attempt itself is what we report.
    with pytest.raises(SuspiciousFilename):
        safe_filename("../../etc/passwd.pdf")
    assert safe_filename("scans/\u200finvoice.pdf") == "invoice.pdf"
