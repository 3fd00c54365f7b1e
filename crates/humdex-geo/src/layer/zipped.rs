//! Zip archives: told apart (an XLSX workbook or KMZ), and KMZ checked before anything is expanded: an archive may
//! hold only so many members and declare only so much content, and a member's expansion is capped whatever its header
//! says.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::LayerFormat;
use crate::error::{Error, Result};

/// Far more members than a KMZ has; millions of them are an attack on memory.
const MAX_MEMBERS: usize = 10_000;
/// What all members together may expand to: far more than any KMZ an analyst makes.
const MAX_EXPANDED_BYTES: u64 = 1 << 30;
/// KML compresses 10–100:1; a large member claiming much more is a bomb.
const MAX_RATIO: u64 = 250;
/// Small members may compress extremely well (a run of spaces) without threatening anything.
const RATIO_FROM_BYTES: u64 = 1 << 20;

/// The format of a zip archive: a workbook or KMZ, by the members it holds.
pub(super) fn detect(bytes: &[u8]) -> Option<LayerFormat> {
    let zip = ZipArchive::new(Cursor::new(bytes)).ok()?;
    if zip.index_for_name("xl/workbook.xml").is_some() {
        Some(LayerFormat::Xlsx)
    } else {
        zip.file_names_raw().any(is_kml).then_some(LayerFormat::Kml)
    }
}

fn is_kml(name: &[u8]) -> bool {
    name.to_ascii_lowercase().ends_with(b".kml")
}

/// Opens a KMZ archive after checking its directory: member count, declared size, compression ratios.
fn open(bytes: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>> {
    let format = LayerFormat::Kml;
    let malformed = |error: zip::result::ZipError| Error::Malformed {
        format,
        reason: error.to_string(),
    };
    let limit = |reason: String| Error::Limit { format, reason };
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(malformed)?;
    if zip.len() > MAX_MEMBERS {
        return Err(limit(format!(
            "the archive has {} members; the limit is {MAX_MEMBERS}",
            zip.len()
        )));
    }
    let mut declared: u64 = 0;
    for index in 0..zip.len() {
        let member = zip.by_index_data(index).map_err(malformed)?;
        let size = member.size();
        if size > RATIO_FROM_BYTES && size / member.compressed_size().max(1) > MAX_RATIO {
            return Err(limit(format!(
                "member {:?} claims to expand more than {MAX_RATIO}:1",
                String::from_utf8_lossy(member.name_raw())
            )));
        }
        declared = declared.saturating_add(size);
    }
    if declared > MAX_EXPANDED_BYTES {
        return Err(limit(format!(
            "the archive declares {declared} bytes of content; the limit is {MAX_EXPANDED_BYTES}"
        )));
    }
    Ok(zip)
}

/// The KML document of a KMZ: `doc.kml` where there is one, else its first `.kml` member.
pub(super) fn kml_of_kmz(bytes: &[u8]) -> Result<Vec<u8>> {
    let format = LayerFormat::Kml;
    let mut zip = open(bytes)?;
    let name = zip
        .index_for_name("doc.kml")
        .or_else(|| zip.file_names_raw().position(is_kml))
        .ok_or_else(|| Error::Malformed {
            format,
            reason: "the KMZ archive holds no .kml document".to_owned(),
        })?;
    let member = zip.by_index(name).map_err(|error| Error::Malformed {
        format,
        reason: error.to_string(),
    })?;
    let mut kml = Vec::new();
    // One byte past the limit tells a member that fits from one that does not, whatever it declared.
    member
        .take(MAX_EXPANDED_BYTES + 1)
        .read_to_end(&mut kml)
        .map_err(|error| Error::Malformed {
            format,
            reason: error.to_string(),
        })?;
    if kml.len() as u64 > MAX_EXPANDED_BYTES {
        return Err(Error::Limit {
            format,
            reason: format!("the KML document expands past {MAX_EXPANDED_BYTES} bytes"),
        });
    }
    Ok(kml)
}
