#!/usr/bin/env python3
"""A fixed-seed folder of mixed files for the import benchmark.

usage: make_corpus.py OUT_DIR [--files N] [--seed S]

About N files spread over case folders: ~30% emails (.eml, a third of them with a PDF, JPEG or
DOCX attachment, and one .mbox of 200 messages), ~20% PDFs (1-5 pages), ~20% DOCX (paragraphs
and a table), ~10% spreadsheets (XLSX and CSV with date, place, lat, lon, narrative columns,
20-200 rows), ~15% JPEG photos (640x480 to 2000x1500, EXIF DateTimeOriginal and GPS), ~5% JSON
Lines and text. The text is made of sentences about trafficking intelligence with names, phone
numbers, places and amounts, so that text analysis has work. Prints a JSON summary on stdout.
"""

import argparse
import csv
import datetime as dt
import html
import io
import json
import mailbox
import random
import re
import textwrap
import unicodedata
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import piexif
from docx import Document
from fpdf import FPDF
from openpyxl import Workbook
from PIL import Image, ImageDraw

FIRST = """Maria Ana Sofia Elena Irina Olena Natasha Grace Blessing Joy Mercy Linh Mai Somchai Nok
Carlos Jose Luis Miguel Ivan Dmitri Sergei Oleksandr Chinedu Emeka Tunde Kwame Ahmed Omar
James Michael David Robert Daniel Kevin Tran Nguyen Aisha Fatima Rosa Lucia Valentina
José Zoë Ştefan Łukasz Olúwaseun Thảo Jesús Ramón""".split()
LAST = """Garcia Hernandez Lopez Martinez Rodriguez Petrov Ivanova Kovalenko Shevchenko Popescu
Okafor Adeyemi Okonkwo Mensah Nguyen Tran Pham Chaiyaporn Suzuki Smith Johnson Williams Brown
Jones Miller Davis Wilson Anderson Taylor Moore Jackson White Harris Ali Hassan Khan Silva
Núñez Müller Çelik Nguyễn Wiśniewski Ionescu Pérez""".split()
# (city, country, latitude, longitude)
PLACES = [
    ("Houston", "USA", 29.7604, -95.3698), ("Atlanta", "USA", 33.7490, -84.3880),
    ("Las Vegas", "USA", 36.1699, -115.1398), ("Newark", "USA", 40.7357, -74.1724),
    ("Miami", "USA", 25.7617, -80.1918), ("Chicago", "USA", 41.8781, -87.6298),
    ("Los Angeles", "USA", 34.0522, -118.2437), ("El Paso", "USA", 31.7619, -106.4850),
    ("Tijuana", "Mexico", 32.5149, -117.0382), ("Ciudad Juarez", "Mexico", 31.6904, -106.4245),
    ("Tapachula", "Mexico", 14.9056, -92.2631), ("Guatemala City", "Guatemala", 14.6349, -90.5069),
    ("Lagos", "Nigeria", 6.5244, 3.3792), ("Benin City", "Nigeria", 6.3350, 5.6037),
    ("Accra", "Ghana", 5.6037, -0.1870), ("Bucharest", "Romania", 44.4268, 26.1025),
    ("Chisinau", "Moldova", 47.0105, 28.8638), ("Kyiv", "Ukraine", 50.4501, 30.5234),
    ("Odesa", "Ukraine", 46.4825, 30.7233), ("Istanbul", "Turkey", 41.0082, 28.9784),
    ("Bangkok", "Thailand", 13.7563, 100.5018), ("Pattaya", "Thailand", 12.9236, 100.8825),
    ("Manila", "Philippines", 14.5995, 120.9842), ("Ho Chi Minh City", "Vietnam", 10.8231, 106.6297),
    ("Madrid", "Spain", 40.4168, -3.7038), ("Milan", "Italy", 45.4642, 9.1900),
    ("Amsterdam", "Netherlands", 52.3676, 4.9041), ("Frankfurt", "Germany", 50.1109, 8.6821),
]
BUSINESSES = """Golden Lotus Spa|Sunrise Nail Salon|Paradise Massage|Blue Moon Motel|Starlight Inn|
El Dorado Bar|Royal Palace Karaoke|Happy Day Restaurant|Green Valley Farm|Silver Star Cleaning|
Rainbow Modelling Agency|Northside Truck Stop|Lucky Seven Club|Harbor View Hotel|Eastgate Apartments|
Prime Staffing Solutions|Sweet Dreams Escorts|Ocean Breeze Lounge|Crystal Health Studio""".replace(
    "\n", "").split("|")
VEHICLES = ["white Ford Transit van", "black Chevrolet Suburban", "silver Toyota Camry",
            "grey Honda Odyssey", "red Nissan Altima", "blue Mercedes Sprinter",
            "dark green Dodge Caravan"]
PAYMENTS = ["Western Union", "MoneyGram", "Cash App", "Bitcoin", "prepaid Visa cards",
            "a hawala broker", "Zelle", "bank transfer"]
SITES = ["megapersonals", "skipthegames", "a Telegram channel", "WhatsApp groups",
         "a Facebook jobs page", "an Instagram account", "a dating app", "listcrawler"]
ROLES = ["recruiter", "driver", "bottom", "money handler", "landlord", "document forger",
         "club manager", "labour broker"]
AGENCIES = ["HSI", "FBI", "the county sheriff", "CBP", "Europol", "the NCA", "local police",
            "an NGO hotline", "the Polaris hotline", "a hospital social worker"]
INDICATORS = [
    "appeared to be under 18", "did not hold her own passport", "showed signs of branding tattoos",
    "was unable to say which city she was in", "owed a debt of several thousand dollars",
    "worked seven days a week without pay", "was escorted by a controlling male",
    "lived at the place of work", "had no access to a phone", "was paid only in tips",
]


def fold(text):
    """`text` in ASCII, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", text.replace("Ł", "L").replace("ł", "l"))
    return decomposed.encode("ascii", "ignore").decode()


def ascii_fold(word):
    """`word` for an e-mail address."""
    return fold(word).lower()


def name(rng):
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def phone(rng):
    style = rng.randrange(4)
    if style == 0:
        return f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    if style == 1:
        return f"{rng.randint(201, 989)}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    if style == 2:
        return f"+234 80{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    return f"+52 {rng.randint(33, 99)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"


def plate(rng):
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
    return f"{letters}-{rng.randint(1000, 9999)}"


def day(rng):
    return dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))


def moment(rng):
    return dt.datetime.combine(day(rng), dt.time(rng.randrange(24), rng.randrange(60),
                                                 rng.randrange(60)), tzinfo=dt.timezone.utc)


def sentence(rng):
    city, country, _, _ = rng.choice(PLACES)
    city2 = rng.choice(PLACES)[0]
    templates = [
        lambda: f"On {day(rng):%d %B %Y}, {name(rng)} was observed at the {rng.choice(BUSINESSES)} "
                f"in {city} with two women who {rng.choice(INDICATORS)}.",
        lambda: f"The subject used the phone number {phone(rng)} to post advertisements on "
                f"{rng.choice(SITES)} offering work in {city}.",
        lambda: f"Payments of ${rng.randint(200, 25000):,} were sent via {rng.choice(PAYMENTS)} to "
                f"an account held by {name(rng)} in {city}, {country}.",
        lambda: f"A {rng.choice(VEHICLES)} with plate {plate(rng)} was seen moving workers between "
                f"{city} and {city2} on {day(rng):%Y-%m-%d}.",
        lambda: f"{name(rng)}, believed to act as {rng.choice(ROLES)} for the network, called "
                f"{phone(rng)} at least {rng.randint(3, 60)} times in the week before the arrest.",
        lambda: f"A tip received by {rng.choice(AGENCIES)} states that a girl aged "
                f"{rng.randint(14, 19)} {rng.choice(INDICATORS)} at an address in {city}.",
        lambda: f"Victim interviews indicate that {name(rng)} recruited them in {city2} with "
                f"promises of work as waitresses in {city}.",
        lambda: f"Passports of {rng.randint(2, 12)} workers were held by {name(rng)}, manager of "
                f"the {rng.choice(BUSINESSES)}, who demanded ${rng.randint(3, 40)},000 each.",
        lambda: f"Telephone {phone(rng)} is linked to {rng.randint(2, 30)} online advertisements "
                f"and to the email address {ascii_fold(rng.choice(FIRST))}."
                f"{ascii_fold(rng.choice(LAST))}"
                f"{rng.randint(1, 99)}@gmail.com.",
        lambda: f"{rng.choice(AGENCIES).capitalize()} requests any information on {name(rng)}, "
                f"last seen in {city} on {day(rng):%B %d, %Y}.",
    ]
    return rng.choice(templates)()


def paragraph(rng, sentences=(3, 7)):
    return " ".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def title(rng):
    city = rng.choice(PLACES)[0]
    kinds = ["Intelligence report", "Surveillance log", "Interview summary", "Tip line report",
             "Financial analysis", "Case update", "Request for information"]
    return f"{rng.choice(kinds)}: {rng.choice(BUSINESSES)}, {city}"


# Characters of 10-point Helvetica on a line of an A4 page with 1 cm margins.
PDF_LINE_CHARS = 100


def latin1(text):
    """`text` in Latin-1, the only characters of fpdf2's core fonts: others lose their accents."""
    return "".join(char if ord(char) < 256 else fold(char) for char in text)


def make_pdf(rng, pages):
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(moment(rng))  # not now: the same seed makes the same bytes
    heading = latin1(title(rng))
    pdf.set_title(heading)
    pdf.set_author(latin1(name(rng)))
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.text(10, 18, heading if page == 0 else f"{heading} (continued)")
        pdf.set_font("Helvetica", "", 10)
        # Wrapped here, line by line: fpdf's own line breaking costs most of the corpus's time.
        y = 30
        while y < 270:
            for line in textwrap.wrap(latin1(paragraph(rng)), PDF_LINE_CHARS):
                pdf.text(10, y, line)
                y += 5
            y += 3
    return bytes(pdf.output())


def fixed_zip(data):
    """The zip archive `data` with its members dated 2024-01-01 and its document modified when it
    was created, not at the time of writing, so that the same seed makes the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            fixed = zipfile.ZipInfo(member.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(member)
            if member.filename == "docProps/core.xml":
                created = re.search(rb"<dcterms:created[^>]*>([^<]*)<", content)
                if created:
                    content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*<",
                                     lambda match: match.group(1) + created.group(1) + b"<",
                                     content)
            target.writestr(fixed, content)
    return out.getvalue()


def make_docx(rng):
    document = Document()
    heading = title(rng)
    document.core_properties.title = heading
    document.core_properties.author = name(rng)
    document.core_properties.created = moment(rng).replace(tzinfo=None)
    document.core_properties.modified = document.core_properties.created
    document.add_heading(heading, level=1)
    for _ in range(rng.randint(3, 10)):
        document.add_paragraph(paragraph(rng))
    rows = rng.randint(3, 12)
    table = document.add_table(rows=rows + 1, cols=4)
    for cell, text in zip(table.rows[0].cells, ["Name", "Role", "Phone", "City"]):
        cell.text = text
    for row in table.rows[1:]:
        values = [name(rng), rng.choice(ROLES), phone(rng), rng.choice(PLACES)[0]]
        for cell, text in zip(row.cells, values):
            cell.text = text
    document.add_paragraph(paragraph(rng, (2, 4)))
    out = io.BytesIO()
    document.save(out)
    return fixed_zip(out.getvalue())


def sheet_rows(rng):
    for _ in range(rng.randint(20, 200)):
        city, country, lat, lon = rng.choice(PLACES)
        yield (day(rng), f"{city}, {country}", round(lat + rng.uniform(-0.1, 0.1), 5),
               round(lon + rng.uniform(-0.1, 0.1), 5), paragraph(rng, (1, 3)), name(rng),
               phone(rng))


SHEET_HEADER = ["date", "place", "lat", "lon", "narrative", "reported_by", "contact_phone"]


def make_xlsx(rng):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sightings"
    sheet.append(SHEET_HEADER)
    for row in sheet_rows(rng):
        sheet.append(row)
    workbook.properties.created = moment(rng).replace(tzinfo=None)
    workbook.properties.modified = workbook.properties.created
    out = io.BytesIO()
    workbook.save(out)
    return fixed_zip(out.getvalue())


def make_csv(rng):
    out = io.StringIO()
    # Half as Excel saves "CSV UTF-8": a byte-order mark and CRLF line ends.
    excel = rng.random() < 0.5
    writer = csv.writer(out, lineterminator="\r\n" if excel else "\n")
    writer.writerow(SHEET_HEADER)
    for row in sheet_rows(rng):
        writer.writerow([row[0].isoformat(), *row[1:]])
    return out.getvalue().encode("utf-8-sig" if excel else "utf-8")


def rational(value, denominator=10000):
    return (round(value * denominator), denominator)


def make_jpeg(rng, width=None):
    width = width or rng.randrange(640, 2001, 16)
    height = width * 3 // 4
    image = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(8, 30)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randrange(20, width // 2), y0 + rng.randrange(20, height // 2))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    # Seeded grain, scaled up into texture, so the photos are neither flat nor all alike.
    grain_size = (width // 4, height // 4)
    grain = Image.frombytes("L", grain_size, rng.randbytes(grain_size[0] * grain_size[1]))
    grain = grain.resize((width, height), Image.Resampling.BICUBIC).convert("RGB")
    image = Image.blend(image, grain, 0.25)

    city, _, lat, lon = rng.choice(PLACES)
    lat += rng.uniform(-0.05, 0.05)
    lon += rng.uniform(-0.05, 0.05)
    taken = moment(rng).strftime("%Y:%m:%d %H:%M:%S")
    camera = rng.choice([("Apple", "iPhone 12"), ("samsung", "SM-G991B"), ("Google", "Pixel 6"),
                         ("Canon", "Canon EOS 80D")])
    exif = {
        "0th": {piexif.ImageIFD.Make: camera[0].encode(), piexif.ImageIFD.Model: camera[1].encode(),
                piexif.ImageIFD.DateTime: taken.encode(),
                piexif.ImageIFD.ImageDescription: f"Photo taken in {city}".encode()},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: taken.encode(),
                 piexif.ExifIFD.PixelXDimension: width, piexif.ExifIFD.PixelYDimension: height},
        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
                piexif.GPSIFD.GPSLatitude: [(int(abs(lat)), 1), (int(abs(lat) * 60 % 60), 1),
                                            rational(abs(lat) * 3600 % 60, 100)],
                piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
                piexif.GPSIFD.GPSLongitude: [(int(abs(lon)), 1), (int(abs(lon) * 60 % 60), 1),
                                             rational(abs(lon) * 3600 % 60, 100)]},
    }
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.randint(80, 92), exif=piexif.dump(exif))
    return out.getvalue()


def address(rng):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{ascii_fold(first)}.{ascii_fold(last)}"
    domain = rng.choice(["gmail.com", "yahoo.com", "protonmail.com", "hsi.dhs.example",
                         "police.example", "ngo-hotline.example", "outlook.com"])
    return f"{first} {last} <{local}@{domain}>"


def make_email(rng, attach=True):
    message = EmailMessage()
    message["From"] = address(rng)
    message["To"] = address(rng)
    if rng.random() < 0.3:
        message["Cc"] = address(rng)
    message["Subject"] = rng.choice(["RE: ", "FW: ", ""]) + title(rng)
    message["Date"] = format_datetime(moment(rng))
    message["Message-ID"] = f"<{rng.getrandbits(64):016x}.{rng.getrandbits(32):08x}@mail.example>"
    body = "\n\n".join(paragraph(rng) for _ in range(rng.randint(1, 5)))
    signature = f"Regards,\n{name(rng)}\nTel. {phone(rng)}"
    message.set_content(f"Hello,\n\n{body}\n\n{signature}\n")
    if rng.random() < 0.5:  # as most mail clients send it: the same text in HTML too
        paragraphs = "".join(f"<p>{html.escape(text)}</p>" for text in body.split("\n\n"))
        signature = html.escape(signature).replace("\n", "<br>")
        message.add_alternative(f"<html><body><p>Hello,</p>{paragraphs}<p>{signature}</p>"
                                "</body></html>", subtype="html")
    if attach and rng.random() < 1 / 3:
        kind = rng.choice(["pdf", "pdf", "jpeg", "jpeg", "docx"])
        stem = f"attachment-{rng.randrange(10**6):06d}"
        if kind == "pdf":
            message.add_attachment(make_pdf(rng, rng.randint(1, 2)), maintype="application",
                                   subtype="pdf", filename=f"{stem}.pdf")
        elif kind == "jpeg":
            message.add_attachment(make_jpeg(rng, 640), maintype="image", subtype="jpeg",
                                   filename=f"{stem}.jpg")
        else:
            message.add_attachment(
                make_docx(rng), maintype="application",
                subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                filename=f"{stem}.docx")
    return message


def make_jsonl(rng):
    lines = []
    for _ in range(rng.randint(10, 60)):
        city, country, lat, lon = rng.choice(PLACES)
        record = {
            "kind": rng.choice(["report", "report", "report", "request"]),
            "title": title(rng),
            "narrative": paragraph(rng),
            "created": moment(rng).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "fields": {
                "city": {"value": city},
                "country": {"value": country},
                "location": {"value": {"lat": lat, "lon": lon, "place": city}},
                "victims": {"value": rng.randint(1, 9)},
            },
        }
        lines.append(json.dumps(record))
    return ("\n".join(lines) + "\n").encode()


def make_text(rng):
    paragraphs = [title(rng), ""] + [paragraph(rng) + "\n" for _ in range(rng.randint(2, 8))]
    return "\n".join(paragraphs).encode()


# (kind, share of the files, file extension, maker)
KINDS = [
    ("email", 0.30, "eml", lambda rng: bytes(make_email(rng))),
    ("pdf", 0.20, "pdf", lambda rng: make_pdf(rng, rng.randint(1, 5))),
    ("docx", 0.20, "docx", make_docx),
    ("xlsx", 0.05, "xlsx", make_xlsx),
    ("csv", 0.05, "csv", make_csv),
    ("jpeg", 0.15, "jpg", make_jpeg),
    ("jsonl", 0.025, "jsonl", make_jsonl),
    ("text", 0.025, "txt", make_text),
]
MBOX_MESSAGES = 200


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    random.seed(args.seed)  # the email package draws MIME boundaries from the global generator

    plan = []
    for kind, share, extension, maker in KINDS:
        count = max(1, round(args.files * share))
        if kind == "email":
            count -= 1  # the mbox is one of the email files
        plan += [(kind, extension, maker)] * count
    rng.shuffle(plan)

    folders = [f"case-{number:02d}" for number in range(1, 21)]
    counts = {}
    total_bytes = 0
    args.out.mkdir(parents=True, exist_ok=True)
    for index, (kind, extension, maker) in enumerate(plan):
        folder = args.out / rng.choice(folders)
        if kind == "jpeg":
            folder = folder / "photos"
        folder.mkdir(parents=True, exist_ok=True)
        data = maker(rng)
        (folder / f"{kind}-{index:05d}.{extension}").write_bytes(data)
        counts[kind] = counts.get(kind, 0) + 1
        total_bytes += len(data)

    mbox_path = args.out / "case-01" / "seized-mailbox.mbox"
    mbox_path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(mbox_path)
    for _ in range(MBOX_MESSAGES):
        message = mailbox.mboxMessage(make_email(rng, attach=False))
        message.set_from("MAILER-DAEMON", moment(rng).timetuple())
        box.add(message)
    box.flush()
    box.close()
    counts["mbox"] = 1
    total_bytes += mbox_path.stat().st_size

    summary = {"files": sum(counts.values()), "bytes": total_bytes, "by_kind": counts}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
