#!/usr/bin/env python3
"""Extraction-only peer for the import benchmark: reads the same folder as `humdex import` with
the usual Python libraries and keeps nothing.

usage: peer.py DIR

Walks DIR in name order, skipping hidden entries, and extracts from each file what Humdex's
readers do: an email's headers, body and the text of its attachments (stdlib email; an mbox gives
one record per message), a PDF's page text (pypdf), a DOCX's paragraphs and tables
(python-docx), one record per data row of an XLSX (openpyxl) or CSV (csv), a photo's size, EXIF
date, camera and GPS (Pillow, header only, as Humdex reads no pixels), one record per JSON Lines
line, a text file. Prints a JSON summary on stdout (files, records, bytes, characters extracted,
failures) and each failure on stderr.
"""

import csv
import email
import email.policy
import io
import json
import mailbox
import sys
from pathlib import Path

import docx
import openpyxl
import pypdf
from PIL import ExifTags, Image

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def pdf_text(data):
    reader = pypdf.PdfReader(io.BytesIO(data))
    metadata = reader.metadata or {}
    parts = [str(metadata.get("/Title") or ""), str(metadata.get("/Author") or "")]
    parts += [page.extract_text() or "" for page in reader.pages]
    return "\n".join(parts)


def docx_text(data):
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    properties = document.core_properties
    parts += [properties.title or "", properties.author or ""]
    return "\n".join(parts)


def image_text(data):
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        facts = [f"{image.format} {image.width}x{image.height}"]
        for tag in (ExifTags.Base.Make, ExifTags.Base.Model, ExifTags.Base.ImageDescription):
            if tag in exif:
                facts.append(str(exif[tag]))
        taken = exif.get_ifd(EXIF_IFD).get(ExifTags.Base.DateTimeOriginal)
        if taken:
            facts.append(str(taken))
        gps = exif.get_ifd(GPS_IFD)
        if gps.get(2) and gps.get(4):
            lat = sum(float(part) / 60**i for i, part in enumerate(gps[2]))
            lon = sum(float(part) / 60**i for i, part in enumerate(gps[4]))
            lat *= -1 if gps.get(1) == "S" else 1
            lon *= -1 if gps.get(3) == "W" else 1
            facts.append(f"{lat:.6f},{lon:.6f}")
        return "\n".join(facts)


def message_text(message):
    parts = [f"{header}: {message[header]}" for header in ("From", "To", "Cc", "Subject", "Date")
             if message[header]]
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_type() == "text/plain":
            parts.append(part.get_content())
        elif filename is not None:
            parts.append(attachment_text(filename, part.get_payload(decode=True) or b""))
    return "\n".join(parts)


def attachment_text(filename, data):
    suffix = Path(filename).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        return filename
    return "\n".join(reader(data))


def parse_message(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def one(text):
    return [text]


def read_csv(data):
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    header = next(rows, [])
    return ["\n".join(f"{key}: {value}" for key, value in zip(header, row) if value)
            for row in rows if any(row)]


def read_xlsx(data):
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    records = []
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, ())
        for row in rows:
            if any(value is not None for value in row):
                records.append("\n".join(f"{key}: {value}" for key, value in zip(header, row)
                                         if value is not None))
    workbook.close()
    return records


def read_mbox(path):
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        return [message_text(parse_message(message.as_bytes())) for message in box]
    finally:
        box.close()


def read_jsonl(data):
    return [json.loads(line)["narrative"] for line in data.decode().splitlines() if line.strip()]


# Each reader takes the file's bytes and answers the text of each record the file holds.
READERS = {
    ".eml": lambda data: one(message_text(parse_message(data))),
    ".pdf": lambda data: one(pdf_text(data)),
    ".docx": lambda data: one(docx_text(data)),
    ".xlsx": read_xlsx,
    ".csv": read_csv,
    ".jpg": lambda data: one(image_text(data)),
    ".jpeg": lambda data: one(image_text(data)),
    ".jsonl": read_jsonl,
    ".txt": lambda data: one(data.decode()),
}


def walk(folder):
    for entry in sorted(folder.iterdir(), key=lambda path: path.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from walk(entry)
        elif entry.is_file():
            yield entry


def main():
    folder = Path(sys.argv[1])
    summary = {"files": 0, "records": 0, "bytes": 0, "chars": 0, "failed": 0}
    for path in walk(folder):
        summary["files"] += 1
        summary["bytes"] += path.stat().st_size
        suffix = path.suffix.lower()
        try:
            if suffix == ".mbox":
                texts = read_mbox(path)
            elif suffix in READERS:
                texts = READERS[suffix](path.read_bytes())
            else:
                raise ValueError("no reader for this kind of file")
        except Exception as error:  # noqa: BLE001 - a file that fails is counted, not fatal
            summary["failed"] += 1
            print(f"{path}: failed: {error}", file=sys.stderr)
            continue
        summary["records"] += len(texts)
        summary["chars"] += sum(len(text) for text in texts)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
