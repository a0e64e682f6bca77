#!/usr/bin/env python3
"""Regenerate the binary knowledge fixtures in tests/fixtures/knowledge/.

Writes: guide.pdf, corrupt.pdf, encrypted.pdf, image.png, invalid-utf8.txt.
(The other fixtures there -- notes.txt, handbook.md, page.html, prices.csv,
catalog.json, README.md -- are plain text and edited by hand.)

Needs: Python 3.9+, `pip install reportlab pypdf` (pypdf only for the
encryption step and the self-check). The PNG is written with the standard
library alone.

Run from anywhere:  python3 scripts/make-knowledge-fixtures.py

guide.pdf and corrupt.pdf are byte-for-byte reproducible (reportlab
invariant mode); encrypted.pdf is not (the encryption uses a random file ID),
which does not matter for the tests. Keep the facts in sync with README.md.
"""
import struct
import zlib
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "knowledge"

GUIDE_PAGES = [
    ("Aurora desk lamp - User guide", [
        "Thank you for choosing the Aurora desk lamp by Halcyon Goods.",
        "The Aurora desk lamp has a warranty of 3 years.",
        "At full brightness the Aurora lamp draws 9 watts.",
        "The arm is made of brushed aluminium and turns through 270 degrees.",
    ]),
    ("Aurora desk lamp - Maintenance", [
        "To reset the Aurora lamp, hold the dimmer button for 12 seconds.",
        "The colour temperature ranges from 2700 K to 6500 K.",
        "Clean the diffuser with a dry cloth; never use solvents.",
    ]),
]

CORRUPT_PAGES = [
    ("Borealis tower fan - Quick start", [
        "The Borealis tower fan has 5 speed settings.",
        "The Borealis fan oscillates across 80 degrees.",
    ] * 6),
    ("Borealis tower fan - Safety", [
        "Keep the Borealis fan 30 cm away from curtains.",
    ] * 10),
]

ENCRYPTED_PAGES = [
    ("Cirrus humidifier - Service manual (confidential)", [
        "The Cirrus humidifier runs for 36 hours on one tank.",
        "The Cirrus service code is CX-7781.",
    ]),
]
USER_PASSWORD = "cirrus-user-pw"
OWNER_PASSWORD = "cirrus-owner-pw"


def make_pdf(path: Path, pages, title: str) -> None:
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("Halcyon Goods")
    _, height = A4
    for heading, lines in pages:
        c.setFont("Helvetica-Bold", 18)
        c.drawString(72, height - 72, heading)
        c.setFont("Helvetica", 12)
        y = height - 110
        for line in lines:
            c.drawString(72, y, line)
            y -= 20
        c.showPage()
    c.save()


def make_png(path: Path, w: int = 4, h: int = 4) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(
        b"\x00" + b"".join(bytes((255 * x // (w - 1), 255 * y // (h - 1), 128))
                           for x in range(w))
        for y in range(h))
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows, 9))
           + chunk(b"IEND", b""))
    path.write_bytes(png)


def make_invalid_utf8(path: Path) -> None:
    path.write_bytes(
        b"Umbrella notes\n\n"
        b"The Nimbus umbrella folds to 24 cm and opens to a 105 cm canopy.\n"
        b"Legacy export line with broken bytes: caf\xc3\x28 and \xff here.\n"
        b"The Nimbus umbrella survives wind gusts of 80 km/h.\n"
        b"Replacement ribs are sold in packs of 4.\n"
        b"Truncated sequence at the end: \xe2\x82\n")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)

    guide = OUT / "guide.pdf"
    make_pdf(guide, GUIDE_PAGES, "Aurora desk lamp guide")

    # corrupt.pdf: a real PDF cut after its first 40% bytes (no xref, no trailer).
    tmp = OUT / "corrupt.full.pdf.tmp"
    make_pdf(tmp, CORRUPT_PAGES, "Borealis tower fan")
    full = tmp.read_bytes()
    tmp.unlink()
    (OUT / "corrupt.pdf").write_bytes(full[: len(full) * 40 // 100])

    # encrypted.pdf: RC4-128 (standard security handler R3), user password set.
    tmp = OUT / "encrypted.plain.pdf.tmp"
    make_pdf(tmp, ENCRYPTED_PAGES, "Cirrus humidifier service manual")
    writer = PdfWriter(clone_from=str(tmp))
    writer.encrypt(user_password=USER_PASSWORD, owner_password=OWNER_PASSWORD,
                   algorithm="RC4-128")
    with open(OUT / "encrypted.pdf", "wb") as f:
        writer.write(f)
    tmp.unlink()

    make_png(OUT / "image.png")
    make_invalid_utf8(OUT / "invalid-utf8.txt")

    # Self-check.
    text = [p.extract_text() for p in PdfReader(str(guide)).pages]
    assert len(text) == 2, text
    assert "warranty of 3 years" in text[0], text[0]
    assert "12 seconds" in text[1], text[1]
    enc = PdfReader(str(OUT / "encrypted.pdf"))
    assert enc.is_encrypted
    assert enc.decrypt("") == 0, "empty password must not open encrypted.pdf"
    assert enc.decrypt(USER_PASSWORD) != 0
    assert "36 hours" in enc.pages[0].extract_text()
    try:
        (OUT / "invalid-utf8.txt").read_bytes().decode("utf-8")
        raise AssertionError("invalid-utf8.txt decoded cleanly")
    except UnicodeDecodeError:
        pass
    for name in ("guide.pdf", "corrupt.pdf", "encrypted.pdf", "image.png",
                 "invalid-utf8.txt"):
        size = (OUT / name).stat().st_size
        assert size < 20_000, (name, size)
        print(f"wrote {name} ({size} bytes)")


if __name__ == "__main__":
    main()
