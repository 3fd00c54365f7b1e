//! Photos: one record per image, titled with its file name and described by what its header and
//! EXIF tell (size, when and where it was taken, with which camera), with the image attached.
//!
//! Only the header is read, never the pixels, and an image that would decode to more than
//! [`Limits::max_pixels`](crate::Limits::max_pixels) is refused. EXIF is optional: an image
//! whose EXIF is missing or damaged is still read, with whatever EXIF could be made out.

use std::collections::BTreeMap;
use std::io::Cursor;

use exif::{Exif, In, Tag, Value};
use humdex_model::{Channel, Field, FieldName, FieldValue, Kind, Location, NewRecord, Source};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::Offset;

use crate::text::title;
use crate::{Context, Extracted, File, ReadError, detect};

/// The most bytes kept of one EXIF text (a description, a comment): EXIF in a JPEG is at most
/// 64 KiB in all, and a text field holds no more.
const MAX_EXIF_TEXT: usize = 64 * 1024;

/// The record of the image in `file`, with the image attached.
pub(crate) fn read(context: &Context<'_>, file: &File) -> Result<Vec<Extracted>, ReadError> {
    let (format, width, height) = header(&file.bytes)?;
    let pixels = u64::from(width) * u64::from(height);
    let limit = context.options.limits.max_pixels;
    if pixels > limit {
        return Err(ReadError::Limit(format!(
            "the image is {width}×{height} pixels; the limit is {limit} pixels"
        )));
    }
    let facts = exif(&file.bytes)
        .map(|exif| Facts::of(&exif))
        .unwrap_or_default();

    let mut fields = BTreeMap::new();
    let mut insert = |name: &str, value: FieldValue| {
        if let Ok(name) = FieldName::new(name) {
            fields.insert(name, Field { value, label: None });
        }
    };
    if let Some(taken) = &facts.taken {
        insert("taken", FieldValue::Date(taken.local.date()));
    }
    if let Some(location) = &facts.location {
        insert("location", FieldValue::Location(location.clone()));
    }
    if let Some(camera) = &facts.camera {
        insert("camera", FieldValue::Text(camera.clone()));
    }
    let record = NewRecord {
        kind: Kind::Report,
        title: title(&file.name).unwrap_or_else(|| format!("{format} image")),
        narrative: facts.narrative(format, width, height),
        label: None,
        label_pointer: false,
        point_of_contact: None,
        fields,
        source: Some(Source::unjudged(Channel::Import)),
        created: facts.taken.as_ref().map(|taken| taken.instant),
        priority: Default::default(),
        due: None,
        assignee: None,
    };
    let media_type = detect(&file.name, &file.bytes).map_or_else(
        || file.media_type.clone(),
        |format| format.media_type().to_owned(),
    );
    Ok(vec![Extracted {
        record,
        attachments: vec![File {
            media_type,
            ..file.clone()
        }],
    }])
}

/// The image's format and size, from its header alone.
fn header(bytes: &[u8]) -> Result<(&'static str, u32, u32), ReadError> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ReadError::malformed("image", error))?;
    let format = match reader.format() {
        Some(image::ImageFormat::Jpeg) => "JPEG",
        Some(image::ImageFormat::Png) => "PNG",
        Some(image::ImageFormat::WebP) => "WebP",
        Some(image::ImageFormat::Gif) => "GIF",
        Some(image::ImageFormat::Tiff) => "TIFF",
        _ => {
            return Err(ReadError::malformed(
                "image",
                "not a JPEG, PNG, WebP, GIF or TIFF image",
            ));
        }
    };
    let (width, height) = reader
        .into_dimensions()
        .map_err(|error| ReadError::malformed("image", error))?;
    Ok((format, width, height))
}

/// The image's EXIF, or what of it could be read; `None` when it has none.
fn exif(bytes: &[u8]) -> Option<Exif> {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    match reader.read_from_container(&mut Cursor::new(bytes)) {
        Ok(exif) => Some(exif),
        Err(exif::Error::PartialResult(partial)) => Some(partial.into_inner().0),
        Err(_) => None,
    }
}

/// When a photo was taken.
#[derive(Debug, Clone, PartialEq)]
struct Taken {
    /// The camera's clock.
    local: DateTime,
    /// The camera's offset from UTC, when it recorded one.
    offset: Option<Offset>,
    /// The instant: the camera's clock at its offset, or taken as UTC when it recorded none.
    instant: Timestamp,
}

/// What EXIF tells about a photo.
#[derive(Debug, Default)]
struct Facts {
    /// `DateTimeOriginal`, with `OffsetTimeOriginal` when present. Most cameras record no
    /// offset; their clock is then taken as UTC, and the narrative says the zone is unknown.
    taken: Option<Taken>,
    /// `GPSLatitude`/`GPSLongitude` with their N/S and E/W references (a position without its
    /// references, or at exactly 0, 0, which is what a camera without a fix writes, is none).
    location: Option<Location>,
    /// `Make` and `Model`.
    camera: Option<String>,
    /// `ImageDescription` and `UserComment`.
    texts: Vec<String>,
}

impl Facts {
    fn of(exif: &Exif) -> Self {
        let text = |tag| {
            exif.get_field(tag, In::PRIMARY)
                .and_then(|field| ascii(&field.value))
        };
        let make = text(Tag::Make);
        let camera = match (make, text(Tag::Model)) {
            // Models usually repeat the make ("Canon" "Canon EOS 5D").
            (Some(make), Some(model)) if model.starts_with(&make) => Some(model),
            (Some(make), Some(model)) => Some(format!("{make} {model}")),
            (make, model) => make.or(model),
        };
        let comment = exif
            .get_field(Tag::UserComment, In::PRIMARY)
            .and_then(|field| user_comment(&field.value, exif.little_endian()));
        Self {
            taken: taken(exif),
            location: location(exif),
            camera,
            texts: text(Tag::ImageDescription)
                .into_iter()
                .chain(comment)
                .collect(),
        }
    }

    /// "JPEG image, 4032×3024 pixels, taken 2024-05-01 13:20:00 +02:00 with Canon EOS 5D at
    /// 12.34567, 56.78901." and the photo's own texts below.
    fn narrative(&self, format: &str, width: u32, height: u32) -> String {
        let mut narrative = format!("{format} image, {width}×{height} pixels");
        if let Some(taken) = &self.taken {
            let local = taken.local.strftime("%Y-%m-%d %H:%M:%S");
            match taken.offset {
                Some(offset) => {
                    let minutes = offset.seconds() / 60;
                    let sign = if minutes < 0 { '-' } else { '+' };
                    let (hours, minutes) = (minutes.abs() / 60, minutes.abs() % 60);
                    narrative.push_str(&format!(", taken {local} {sign}{hours:02}:{minutes:02}"));
                }
                None => narrative.push_str(&format!(", taken {local} (time zone unknown)")),
            }
        }
        if let Some(camera) = &self.camera {
            narrative.push_str(&format!(" with {camera}"));
        }
        if let Some(location) = &self.location {
            narrative.push_str(&format!(" at {:.5}, {:.5}", location.lat, location.lon));
        }
        narrative.push('.');
        for text in &self.texts {
            narrative.push_str("\n\n");
            narrative.push_str(text);
        }
        narrative
    }
}

fn taken(exif: &Exif) -> Option<Taken> {
    let field = exif.get_field(Tag::DateTimeOriginal, In::PRIMARY)?;
    let Value::Ascii(values) = &field.value else {
        return None;
    };
    let clock = exif::DateTime::from_ascii(values.first()?).ok()?;
    let local = DateTime::new(
        i16::try_from(clock.year).ok()?,
        i8::try_from(clock.month).ok()?,
        i8::try_from(clock.day).ok()?,
        i8::try_from(clock.hour).ok()?,
        i8::try_from(clock.minute).ok()?,
        i8::try_from(clock.second).ok()?,
        0,
    )
    .ok()?;
    let offset = exif
        .get_field(Tag::OffsetTimeOriginal, In::PRIMARY)
        .and_then(|field| match &field.value {
            Value::Ascii(values) => {
                let mut clock = exif::DateTime::from_ascii(b"2000:01:01 00:00:00").ok()?;
                clock.parse_offset(values.first()?).ok()?;
                Offset::from_seconds(i32::from(clock.offset?) * 60).ok()
            }
            _ => None,
        });
    let instant = offset.unwrap_or(Offset::UTC).to_timestamp(local).ok()?;
    Some(Taken {
        local,
        offset,
        instant,
    })
}

fn location(exif: &Exif) -> Option<Location> {
    let coordinate = |value_tag, reference_tag, positive: &str, negative: &str| {
        let Value::Rational(parts) = &exif.get_field(value_tag, In::PRIMARY)?.value else {
            return None;
        };
        // Degrees, minutes, seconds; some writers give only the first one or two.
        let magnitude: f64 = parts
            .iter()
            .take(3)
            .zip([1.0, 60.0, 3600.0])
            .map(|(part, unit)| part.to_f64() / unit)
            .sum();
        let reference = ascii(&exif.get_field(reference_tag, In::PRIMARY)?.value)?;
        let sign = match reference.to_ascii_uppercase() {
            text if text == positive => 1.0,
            text if text == negative => -1.0,
            _ => return None,
        };
        Some(sign * magnitude).filter(|degrees| degrees.is_finite() && !parts.is_empty())
    };
    let lat = coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, "N", "S")?;
    let lon = coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, "E", "W")?;
    let plausible = (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
        && !(lat == 0.0 && lon == 0.0);
    plausible.then_some(Location {
        lat,
        lon,
        place: None,
    })
}

/// The text of an ASCII value: its first string, trimmed, if any is left.
fn ascii(value: &Value) -> Option<String> {
    let Value::Ascii(values) = value else {
        return None;
    };
    text(values.first()?)
}

/// `UserComment`: eight bytes naming the character set, then the text.
fn user_comment(value: &Value, little_endian: bool) -> Option<String> {
    let Value::Undefined(bytes, _) = value else {
        return None;
    };
    let (charset, content) = bytes.split_at_checked(8)?;
    if charset == b"UNICODE\0" {
        let units: Vec<u16> = content
            .chunks_exact(2)
            .map(|pair| match pair {
                [a, b] if little_endian => u16::from_le_bytes([*a, *b]),
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => 0,
            })
            .collect();
        let decoded = String::from_utf16_lossy(&units);
        return text(decoded.as_bytes());
    }
    // ASCII, or undefined (in practice UTF-8); JIS is rare enough to read the same way.
    text(content)
}

/// Bytes as trimmed text without NULs, at most [`MAX_EXIF_TEXT`] bytes; `None` when blank.
fn text(bytes: &[u8]) -> Option<String> {
    let bytes = bytes
        .get(..bytes.len().min(MAX_EXIF_TEXT))
        .unwrap_or_default();
    let text = String::from_utf8_lossy(bytes).replace('\0', "");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Limits, Options};

    /// A TIFF value: its type code, its count and its bytes (little-endian).
    struct Entry {
        tag: u16,
        kind: u16,
        count: u32,
        bytes: Vec<u8>,
    }

    fn ascii_entry(tag: u16, text: &str) -> Entry {
        let mut bytes = text.as_bytes().to_vec();
        bytes.push(0);
        Entry {
            tag,
            kind: 2,
            count: bytes.len() as u32,
            bytes,
        }
    }

    fn long_entry(tag: u16, value: u32) -> Entry {
        Entry {
            tag,
            kind: 4,
            count: 1,
            bytes: value.to_le_bytes().to_vec(),
        }
    }

    fn rationals_entry(tag: u16, values: &[(u32, u32)]) -> Entry {
        Entry {
            tag,
            kind: 5,
            count: values.len() as u32,
            bytes: values
                .iter()
                .flat_map(|(num, denom)| [num.to_le_bytes(), denom.to_le_bytes()].concat())
                .collect(),
        }
    }

    /// An IFD at `offset` in the TIFF: its entries, then the values too long to sit in them.
    fn ifd(offset: u32, entries: &[Entry]) -> Vec<u8> {
        let mut data_at = offset + 2 + 12 * entries.len() as u32 + 4;
        let mut table = (entries.len() as u16).to_le_bytes().to_vec();
        let mut data: Vec<u8> = Vec::new();
        for entry in entries {
            table.extend(entry.tag.to_le_bytes());
            table.extend(entry.kind.to_le_bytes());
            table.extend(entry.count.to_le_bytes());
            if entry.bytes.len() <= 4 {
                let mut inline = entry.bytes.clone();
                inline.resize(4, 0);
                table.extend(inline);
            } else {
                table.extend(data_at.to_le_bytes());
                data.extend(&entry.bytes);
                data_at += entry.bytes.len() as u32;
            }
        }
        table.extend(0u32.to_le_bytes()); // no next IFD
        table.extend(data);
        table
    }

    /// EXIF as a JPEG APP1 segment carries it: IFD0 with the camera and a description, the
    /// Exif IFD with the time taken, the GPS IFD with a position west of Greenwich.
    fn exif_segment(offset: Option<&str>) -> Vec<u8> {
        let mut exif_entries = vec![ascii_entry(0x9003, "2024:05:01 13:20:05")];
        if let Some(offset) = offset {
            exif_entries.push(ascii_entry(0x9011, offset));
        }
        let gps_entries = [
            ascii_entry(1, "N"),
            rationals_entry(2, &[(12, 1), (30, 1), (36, 1)]),
            ascii_entry(3, "W"),
            rationals_entry(4, &[(5678, 100), (0, 1), (0, 1)]),
        ];
        let ifd0 = |exif_at: u32, gps_at: u32| {
            ifd(
                8,
                &[
                    ascii_entry(0x010E, "Checkpoint at the border"),
                    ascii_entry(0x010F, "Canon"),
                    ascii_entry(0x0110, "Canon EOS 5D"),
                    long_entry(0x8769, exif_at),
                    long_entry(0x8825, gps_at),
                ],
            )
        };
        // IFD0's length does not depend on where the others go.
        let exif_at = 8 + ifd0(0, 0).len() as u32;
        let exif_ifd = ifd(exif_at, &exif_entries);
        let gps_at = exif_at + exif_ifd.len() as u32;
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend(ifd0(exif_at, gps_at));
        tiff.extend(exif_ifd);
        tiff.extend(ifd(gps_at, &gps_entries));

        let mut segment = vec![0xFF, 0xE1];
        segment.extend((2 + 6 + tiff.len() as u16).to_be_bytes());
        segment.extend(b"Exif\0\0");
        segment.extend(tiff);
        segment
    }

    fn encoded(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 5) as u8, 90])
        });
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, format).unwrap();
        bytes.into_inner()
    }

    /// A 64×48 JPEG carrying [`exif_segment`] right after its start-of-image marker.
    pub(crate) fn jpeg_with_exif(offset: Option<&str>) -> Vec<u8> {
        let plain = encoded(image::ImageFormat::Jpeg, 64, 48);
        let mut jpeg = plain[..2].to_vec();
        jpeg.extend(exif_segment(offset));
        jpeg.extend(&plain[2..]);
        jpeg
    }

    fn read(name: &str, bytes: Vec<u8>, max_pixels: u64) -> Result<Vec<Extracted>, ReadError> {
        let options = Options {
            limits: Limits {
                max_pixels,
                ..Limits::default()
            },
            mapping: None,
        };
        let file = File {
            name: name.to_owned(),
            media_type: "application/octet-stream".to_owned(),
            bytes,
        };
        crate::read(&file, &options)
    }

    fn field<'a>(record: &'a NewRecord, name: &str) -> &'a FieldValue {
        &record.fields[&FieldName::new(name).unwrap()].value
    }

    #[test]
    fn exif_gives_time_place_and_camera() {
        let bytes = jpeg_with_exif(Some("+02:00"));
        let extracted = read("IMG_0001.JPG", bytes.clone(), 10_000).unwrap();
        let [
            Extracted {
                record,
                attachments,
            },
        ] = extracted.as_slice()
        else {
            panic!("one record expected: {extracted:?}");
        };
        record.validate().unwrap();
        assert_eq!(record.title, "IMG_0001.JPG");
        assert_eq!(
            record.narrative,
            "JPEG image, 64×48 pixels, taken 2024-05-01 13:20:05 +02:00 with Canon EOS 5D at \
             12.51000, -56.78000.\n\nCheckpoint at the border"
        );
        assert_eq!(
            record.created,
            Some("2024-05-01T11:20:05Z".parse().unwrap())
        );
        assert_eq!(
            field(record, "taken"),
            &FieldValue::Date(jiff::civil::date(2024, 5, 1))
        );
        let FieldValue::Location(location) = field(record, "location") else {
            panic!("a location expected");
        };
        assert!((location.lat - 12.51).abs() < 1e-9, "{location:?}");
        assert!((location.lon + 56.78).abs() < 1e-9, "{location:?}");
        assert_eq!(
            field(record, "camera"),
            &FieldValue::Text("Canon EOS 5D".into())
        );
        assert_eq!(record.source, Some(Source::unjudged(Channel::Import)));
        assert_eq!(
            attachments,
            &[File {
                name: "IMG_0001.JPG".into(),
                media_type: "image/jpeg".into(),
                bytes
            }]
        );
    }

    #[test]
    fn a_clock_without_an_offset_is_taken_as_utc() {
        let extracted = read("a.jpg", jpeg_with_exif(None), 10_000).unwrap();
        let record = &extracted[0].record;
        assert_eq!(
            record.created,
            Some("2024-05-01T13:20:05Z".parse().unwrap())
        );
        assert!(
            record
                .narrative
                .contains("taken 2024-05-01 13:20:05 (time zone unknown)"),
            "{}",
            record.narrative
        );
    }

    #[test]
    fn an_image_without_exif_says_what_it_is() {
        let extracted = read("scan.png", encoded(image::ImageFormat::Png, 30, 20), 600).unwrap();
        let record = &extracted[0].record;
        record.validate().unwrap();
        assert_eq!(record.narrative, "PNG image, 30×20 pixels.");
        assert!(record.fields.is_empty());
        assert_eq!(record.created, None);
        assert_eq!(extracted[0].attachments[0].media_type, "image/png");
    }

    #[test]
    fn too_many_pixels_are_refused() {
        let error = read("scan.png", encoded(image::ImageFormat::Png, 30, 20), 599).unwrap_err();
        assert_eq!(
            error,
            ReadError::Limit("the image is 30×20 pixels; the limit is 599 pixels".into())
        );
    }

    #[test]
    fn a_damaged_header_is_malformed() {
        let mut png = encoded(image::ImageFormat::Png, 30, 20);
        png.truncate(12);
        assert!(matches!(
            read("scan.png", png, 600),
            Err(ReadError::Malformed { .. })
        ));
        let jpeg = b"\xFF\xD8\xFF\xE0\x00\x10JFIF".to_vec();
        assert!(matches!(
            read("a.jpg", jpeg, 600),
            Err(ReadError::Malformed { .. })
        ));
    }

    #[test]
    fn user_comments_are_decoded_by_their_charset() {
        let comment = |bytes: &[u8]| user_comment(&Value::Undefined(bytes.to_vec(), 0), true);
        assert_eq!(
            comment(b"ASCII\0\0\0seen at 9 \0"),
            Some("seen at 9".into())
        );
        assert_eq!(comment(b"UNICODE\0h\0\xe9\0"), Some("hé".into()));
        assert_eq!(comment(b"\0\0\0\0\0\0\0\0   "), None);
        assert_eq!(comment(b"short"), None);
    }
}
