"""Upload filenames: refuse the hostile ones, then reduce the rest to one safe path component.

`check_filename` looks at the raw name, and at its NFKC form because NFKC turns fullwidth dots
and solidus into `../` and a superscript one into `COM1`; it raises `SuspiciousFilename` for:
NUL bytes, bidi embedding/override/isolate characters (U+202A..U+202E, U+2066..U+2069),
path traversal (`..` components), absolute paths (`/x`, `\\x`, `\\\\server\\x`), drive letters
(`C:`), Windows device names (`CON`, `NUL.pdf`, `COM1.txt`, ...) and executable or script
extensions, including ones hidden behind a document extension (`invoice.pdf.exe`) or in an
NTFS alternate data stream (`invoice.pdf:evil.exe`).

Decisions: a relative directory (`scans/a.pdf`, what browsers send for folder uploads) is not
suspicious, only reduced to `a.pdf`; leading dots (hidden files) are not suspicious either, they
are stripped so nothing we store is hidden. Other control characters are stripped, not refused.
"""

from __future__ import annotations

import re
import unicodedata

from config.errors import SuspiciousFilename

DEFAULT_NAME = "document"
MAX_NAME_BYTES = 255
MAX_EXTENSION_CHARS = 16  # a longer "extension" is part of the name, not a type

# Windows, macOS, Linux and web executables, installers and scripts (a word list reads best).
EXECUTABLE_EXTENSIONS = frozenset(
    """
    app appimage application apk bat bin cgi cmd com command cpl csh dll dmg elf exe gadget hta
    inf ins isp jar jse js ksh lnk mjs msc msi msp mst php phar pif pl ps1 ps1xml ps2 psc1 psd1
    psm1 py pyc pyw rb reg run scf scr sct sh shb so sys url vb vbe vbs ws wsc wsf wsh xll
    """.split()  # noqa: SIM905
)
DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10)]
)
# Embeddings, overrides and isolates reorder what a user sees: "invoice\u202efdp.exe"
# displays as "invoiceexe.pdf".
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible marks: stripped, not refused (right-to-left text may legitimately carry them).
INVISIBLE_MARKS = frozenset("\u200e\u200f\u061c\ufeff")
# Characters Windows refuses in names, plus quotes that would break Content-Disposition.
UNSAFE_CHARS = re.compile(r'[<>:"|?*]')
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
# Windows trims trailing dots and spaces from a component: treat any all-dots one (".. ") as "..".
DOTS_ONLY = re.compile(r"^\s*\.{2,}\s*$")


def check_filename(raw: str | None) -> None:
    """Raise `SuspiciousFilename` (saying why) if the raw upload name is hostile."""
    if not raw:
        return
    if "\x00" in raw:
        raise SuspiciousFilename("filename contains a NUL byte")
    for name in (raw, unicodedata.normalize("NFKC", raw)):
        _check_form(name)


def _check_form(name: str) -> None:
    if BIDI_CONTROLS.intersection(name):
        raise SuspiciousFilename("filename contains a right-to-left override or bidi control")
    if name.startswith(("/", "\\")) or DRIVE_LETTER.match(name):
        raise SuspiciousFilename("filename is an absolute path")
    parts = re.split(r"[/\\]", name)
    if any(DOTS_ONLY.match(part) for part in parts):
        raise SuspiciousFilename("filename contains path traversal ('..')")
    base = parts[-1]
    if _device_stem(base) in DEVICE_NAMES:
        raise SuspiciousFilename(f"filename is a reserved Windows device name ({base!r})")
    _check_extensions(base)


def _check_extensions(base: str) -> None:
    # Each ':' segment may be an NTFS alternate data stream ("a.pdf:b.exe", "b.exe::$DATA").
    for segment in base.split(":"):
        exts = _extensions(segment)
        if not exts or exts[-1] not in EXECUTABLE_EXTENSIONS:
            continue
        if len(exts) > 1:
            hidden = f".{exts[-2]}.{exts[-1]}"
            raise SuspiciousFilename(f"double extension hides an executable ('{hidden}')")
        raise SuspiciousFilename(f"executable or script extension '.{exts[-1]}'")


def _extensions(name: str) -> list[str]:
    """Lower-case extensions as Windows sees them (trailing dots and spaces are dropped)."""
    stem, *exts = name.rstrip(". ").split(".")
    if not stem.strip():  # ".bashrc": a hidden name, not an extension
        exts = exts[1:]
    return [ext.strip().lower() for ext in exts if ext.strip()]


def _device_stem(base: str) -> str:
    # Windows ignores the extension and trailing spaces: "con .pdf" is still the console.
    return base.split(".", 1)[0].rstrip(" ").upper()


def sanitize_filename(raw: str | None) -> str:
    """Reduce any name to one safe component (<= 255 UTF-8 bytes, extension kept)."""
    if not raw:
        return DEFAULT_NAME
    name = unicodedata.normalize("NFKC", raw)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if _keep(ch))
    name = UNSAFE_CHARS.sub("_", name)
    name = " ".join(name.split())  # tabs and runs of spaces collapse to one space
    name = name.strip(". ")
    if not name:
        return DEFAULT_NAME
    if _device_stem(name) in DEVICE_NAMES:
        name = "_" + name
    return _cap(name)


def _keep(ch: str) -> bool:
    if ch in BIDI_CONTROLS or ch in INVISIBLE_MARKS:
        return False
    return unicodedata.category(ch) != "Cc"  # C0, DEL, C1 (NUL included)


def _cap(name: str, limit: int = MAX_NAME_BYTES) -> str:
    if len(name.encode()) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > MAX_EXTENSION_CHARS:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    room = limit - len(suffix.encode())
    # errors="ignore" drops a multi-byte character cut in half at the boundary.
    stem = stem.encode()[:room].decode(errors="ignore").rstrip(". ")
    return (stem or DEFAULT_NAME) + suffix


def safe_filename(raw: str | None) -> str:
    """Refuse a hostile raw name, else return its sanitized form."""
    check_filename(raw)
    return sanitize_filename(raw)
