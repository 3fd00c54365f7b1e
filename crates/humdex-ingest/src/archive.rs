//! Zip archives (DOCX, XLSX, ODS), read without trusting what they declare: an archive may hold
//! only so many members and declare only so much content, and no member expands past what is left
//! of the file's decompression budget, whatever its header says.

use std::io::{Cursor, Read};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::{Limits, ReadError};

/// Far more members than any office document has; millions of them are an attack on memory.
const MAX_ENTRIES: usize = 10_000;
/// Office XML compresses 10–100:1; a large member claiming more is a bomb (deflate tops out near
/// 1032:1, so anything beyond that is a lie anyway).
const MAX_RATIO: u64 = 250;
/// Small members may compress extremely well (a run of spaces) without threatening anything.
const RATIO_FROM_BYTES: u64 = 1024 * 1024;

/// An open zip archive with what may still be decompressed from it.
pub(crate) struct Archive<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    /// Bytes that may still be expanded from this archive, shared by all its members.
    budget: u64,
}

impl<'a> Archive<'a> {
    /// Opens the archive in `bytes` after checking its directory against `limits`: member count,
    /// declared total size, and compression ratio.
    pub(crate) fn open(bytes: &'a [u8], limits: &Limits) -> Result<Self, ReadError> {
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(malformed)?;
        if zip.len() > MAX_ENTRIES {
            return Err(ReadError::Limit(format!(
                "the zip archive has {} members; the limit is {MAX_ENTRIES}",
                zip.len()
            )));
        }
        let mut declared: u64 = 0;
        for index in 0..zip.len() {
            let entry = zip.by_index_data(index).map_err(malformed)?;
            let size = entry.size();
            if size > RATIO_FROM_BYTES && size / entry.compressed_size().max(1) > MAX_RATIO {
                return Err(ReadError::Limit(format!(
                    "zip member `{}` claims to expand more than {MAX_RATIO}:1",
                    String::from_utf8_lossy(entry.name_raw())
                )));
            }
            declared = declared.saturating_add(size);
        }
        if declared > limits.max_expanded_bytes {
            return Err(ReadError::Limit(format!(
                "the zip archive declares {declared} bytes of content; the limit is {}",
                limits.max_expanded_bytes
            )));
        }
        Ok(Self {
            zip,
            budget: limits.max_expanded_bytes,
        })
    }

    /// The content of member `name`, if the archive has it. Decompression stops as soon as the
    /// archive's budget is spent, however small the member says it is.
    pub(crate) fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ReadError> {
        let member = match self.zip.by_name(name) {
            Ok(member) => member,
            Err(ZipError::FileNotFound) => return Ok(None),
            Err(error) => return Err(malformed(error)),
        };
        let mut content = Vec::new();
        // The zip crate stops a member at its declared size; this cap does not rely on that. One
        // byte past the budget tells a member that fits exactly from one that does not.
        member
            .take(self.budget.saturating_add(1))
            .read_to_end(&mut content)
            .map_err(malformed)?;
        let expanded = content.len() as u64;
        self.budget = self.budget.checked_sub(expanded).ok_or_else(|| {
            ReadError::Limit(format!(
                "zip member `{name}` expands past the limit of {} bytes",
                self.budget
            ))
        })?;
        Ok(Some(content))
    }
}

/// Checks a zip archive's directory against `limits` (for readers that hand the archive on to a
/// library that decompresses it).
pub(crate) fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    Archive::open(bytes, limits).map(drop)
}

fn malformed(error: impl ToString) -> ReadError {
    ReadError::malformed("zip", error)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    /// A deflated zip archive of `members`.
    pub(crate) fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in members {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// Overwrites every 32-bit little-endian `from` with `to`: a zip's size fields, in tests
    /// whose content is chosen so the size occurs nowhere else.
    fn replace_u32(bytes: &mut [u8], from: u32, to: u32) -> usize {
        let mut replaced = 0;
        for start in 0..bytes.len() - 3 {
            if bytes[start..start + 4] == from.to_le_bytes() {
                bytes[start..start + 4].copy_from_slice(&to.to_le_bytes());
                replaced += 1;
            }
        }
        replaced
    }

    fn limits(max_expanded_bytes: u64) -> Limits {
        Limits {
            max_expanded_bytes,
            ..Limits::default()
        }
    }

    #[test]
    fn reads_members_and_says_which_are_missing() {
        let bytes = zip_of(&[("a.txt", b"alpha"), ("dir/b.xml", b"<b/>")]);
        check_zip(&bytes, &limits(100)).unwrap();
        let mut archive = Archive::open(&bytes, &limits(100)).unwrap();
        assert_eq!(archive.read("dir/b.xml").unwrap(), Some(b"<b/>".to_vec()));
        assert_eq!(archive.read("c").unwrap(), None);
    }

    #[test]
    fn the_budget_is_shared_by_all_members_and_reads() {
        let bytes = zip_of(&[("a", &[b'a'; 60]), ("b", &[b'b'; 60])]);
        let mut archive = Archive::open(&bytes, &limits(150)).unwrap();
        assert_eq!(archive.read("a").unwrap().unwrap().len(), 60);
        assert_eq!(archive.read("b").unwrap().unwrap().len(), 60);
        assert_eq!(
            archive.read("a").unwrap_err(),
            ReadError::Limit("zip member `a` expands past the limit of 30 bytes".into())
        );
        let error = Archive::open(&bytes, &limits(100)).err().unwrap();
        assert!(
            matches!(&error, ReadError::Limit(message) if message.contains("declares 120 bytes")),
            "{error:?}"
        );
    }

    #[test]
    fn a_member_lying_about_its_size_is_refused() {
        // 3 MiB of zeros that the directory says are 1000 bytes.
        let size: u32 = 3 * 1024 * 1024 + 17;
        let mut bytes = zip_of(&[("zeros", &vec![0; size as usize])]);
        assert_eq!(
            replace_u32(&mut bytes, size, 1000),
            2,
            "local and central header"
        );
        let limits = limits(1024 * 1024);
        let mut archive = Archive::open(&bytes, &limits).unwrap();
        let error = archive.read("zeros").unwrap_err();
        assert!(
            error.to_string().contains("larger than its declared"),
            "{error}"
        );
    }

    #[test]
    fn a_member_claiming_a_bomb_ratio_is_refused_unread() {
        let bytes = zip_of(&[("zeros", &vec![0; 4 * 1024 * 1024])]);
        let error = check_zip(&bytes, &Limits::default()).unwrap_err();
        assert!(
            matches!(&error, ReadError::Limit(message) if message.contains("250:1")),
            "{error:?}"
        );
    }

    #[test]
    fn too_many_members_are_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|n| n.to_string()).collect();
        let members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let error = check_zip(&zip_of(&members), &Limits::default()).unwrap_err();
        assert!(
            matches!(&error, ReadError::Limit(message) if message.contains("10001 members")),
            "{error:?}"
        );
    }

    #[test]
    fn damage_is_malformed() {
        let mut bytes = zip_of(&[("a.txt", b"alpha")]);
        bytes.truncate(bytes.len() - 10);
        assert!(matches!(
            check_zip(&bytes, &Limits::default()),
            Err(ReadError::Malformed { format: "zip", .. })
        ));
    }
}
