//! Tables: CSV and the first worksheet of an XLSX workbook, a header row then a feature per row.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{DataRef, Reader as _, Xlsx, XlsxError};
use serde_json::{Map, Value};

use super::{
    LayerColumns, LayerFeature, LayerFormat, LayerRead, MAX_FEATURES, Placer, Roles, Unplaced,
    check_degrees, header_list, parse_degrees, zipped,
};
use crate::error::{Error, Result};

/// Excel's column limit; cells past it are ignored, in CSV too.
const MAX_COLUMNS: usize = 16_384;

/// One cell's value.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Cell {
    /// Its text, trimmed, unless it is empty.
    fn text(&self) -> Option<Cow<'_, str>> {
        let text = match self {
            Cell::Empty => return None,
            Cell::Text(text) => Cow::Borrowed(text.trim()),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Float(n) => Cow::Owned(n.to_string()),
            Cell::Bool(b) => Cow::Owned(b.to_string()),
        };
        (!text.is_empty()).then_some(text)
    }

    /// Its value as degrees within ±`limit`, or why it is not; None when empty.
    fn degrees(&self, what: &str, limit: f64) -> Option<Result<f64, String>> {
        match self {
            // Excel keeps up to 15 significant digits, which an f64 holds exactly.
            #[expect(clippy::cast_precision_loss, reason = "coordinates are small integers")]
            Cell::Int(n) => Some(check_degrees(*n as f64, what, limit)),
            Cell::Float(n) => Some(check_degrees(*n, what, limit)),
            _ => self.text().map(|text| parse_degrees(&text, what, limit)),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Empty => Value::Null,
            Cell::Text(text) => Value::String(text.clone()),
            Cell::Int(n) => Value::from(*n),
            Cell::Float(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Cell::Bool(b) => Value::Bool(*b),
        }
    }

    fn is_empty(&self) -> bool {
        self.text().is_none()
    }
}

/// A table being read: its header, which columns play which role, and the features so far.
struct Table {
    format: LayerFormat,
    /// Property names by column: the header's, made unique.
    keys: Vec<String>,
    roles: Roles,
    read: LayerRead,
    rows: usize,
}

impl Table {
    fn new(format: LayerFormat, header: &[Cell], columns: &LayerColumns) -> Result<Self> {
        let mut keys: Vec<String> = Vec::with_capacity(header.len());
        // Std's hashing: headers come from the file, and a hostile one could collide a fixed hash's keys.
        let mut taken: HashSet<String> = HashSet::new();
        // The last copy number given to each repeated header, so a header of thousands of repeats stays linear.
        let mut copies: HashMap<String, usize> = HashMap::new();
        for (column, cell) in header.iter().enumerate() {
            let base = cell
                .text()
                .map_or_else(|| format!("column {}", column + 1), Cow::into_owned);
            let mut key = base.clone();
            if taken.contains(&key) {
                let copy = copies.entry(base.clone()).or_insert(1);
                while taken.contains(&key) {
                    *copy += 1;
                    key = format!("{base} ({copy})");
                }
            }
            taken.insert(key.clone());
            keys.push(key);
        }
        let roles = Roles::find(&keys, columns)?;
        if !roles.has_coordinates() && roles.place.is_none() && roles.address.is_none() {
            return Err(Error::NoLocationColumns {
                header: header_list(&keys),
            });
        }
        Ok(Self {
            format,
            keys,
            roles,
            read: LayerRead::default(),
            rows: 0,
        })
    }

    /// Places data row `number` (1-based, after the header). Rows with no value at all are skipped.
    fn row(&mut self, number: usize, cells: &[Cell], placer: &mut Placer<'_>) -> Result<()> {
        if cells.iter().all(Cell::is_empty) {
            return Ok(());
        }
        self.rows += 1;
        if self.rows > MAX_FEATURES {
            return Err(Error::Limit {
                format: self.format,
                reason: format!("more than {MAX_FEATURES} rows"),
            });
        }
        let cell =
            |column: Option<usize>| column.and_then(|c| cells.get(c)).unwrap_or(&Cell::Empty);
        let text = |column: Option<usize>| cell(column).text();
        let latitude = cell(self.roles.latitude).degrees("latitude", 90.0);
        let longitude = cell(self.roles.longitude).degrees("longitude", 180.0);
        let placed = match (latitude, longitude) {
            (Some(lat), Some(lon)) => lat.and_then(|lat| Ok((lat, lon?, None))),
            (Some(_), None) => Err("a latitude but no longitude".to_owned()),
            (None, Some(_)) => Err("a longitude but no latitude".to_owned()),
            (None, None) => placer
                .place(
                    text(self.roles.place).as_deref(),
                    text(self.roles.address).as_deref(),
                )
                .map(|(place, label)| (place.lat, place.lon, Some(label))),
        };
        match placed {
            Ok((lat, lon, geocoded)) => {
                let name = [self.roles.name, self.roles.place, self.roles.address]
                    .into_iter()
                    .find_map(text)
                    .unwrap_or_default()
                    .into_owned();
                let properties: Map<String, Value> = cells
                    .iter()
                    .enumerate()
                    .filter(|(_, cell)| !cell.is_empty())
                    .map(|(column, cell)| {
                        let key = self
                            .keys
                            .get(column)
                            .cloned()
                            .unwrap_or_else(|| format!("column {}", column + 1));
                        (key, cell.json())
                    })
                    .collect();
                self.read.features.push(LayerFeature {
                    name,
                    lat,
                    lon,
                    geometry: None,
                    properties,
                    geocoded,
                });
            }
            Err(reason) => self.read.unplaced.push(Unplaced {
                row: number,
                reason: format!("row {number}: {reason}"),
            }),
        }
        Ok(())
    }
}

/// Reads a CSV table: UTF-8 (with or without a byte order mark), UTF-16 after its byte order mark, else
/// Windows-1252; separated by commas, semicolons or tabs, whichever splits the first lines evenly.
pub(super) fn read_csv(
    bytes: &[u8],
    columns: &LayerColumns,
    placer: &mut Placer<'_>,
) -> Result<LayerRead> {
    let format = LayerFormat::Csv;
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(&text))
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let malformed = |error: csv::Error| Error::Malformed {
        format,
        reason: error.to_string(),
    };
    let cells = |record: csv::StringRecord| -> Vec<Cell> {
        record
            .iter()
            .take(MAX_COLUMNS)
            .map(|f| Cell::Text(f.to_owned()))
            .collect()
    };
    let Some(header) = records.next().transpose().map_err(malformed)? else {
        return Err(Error::NoLocationColumns {
            header: header_list(&[]),
        });
    };
    let mut table = Table::new(format, &cells(header), columns)?;
    for (index, record) in records.enumerate() {
        let record = record.map_err(malformed)?;
        table.row(index + 1, &cells(record), placer)?;
    }
    Ok(table.read)
}

/// CSV text: UTF-8 or UTF-16 by its byte order mark, UTF-8 when valid, else Windows-1252 (what Excel writes).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(bytes.get(bom..).unwrap_or_default())
            .0;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// The separator among tab, semicolon and comma that splits the first lines into the same number of fields most
/// often, then the most fields; a comma on a tie.
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .take(10)
        .collect();
    let outside_quotes = |line: &str, delimiter: u8| {
        let mut quoted = false;
        line.bytes()
            .filter(|&byte| {
                quoted ^= byte == b'"';
                byte == delimiter && !quoted
            })
            .count()
    };
    // max_by_key keeps the last of equals: the comma.
    [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|&delimiter| {
            let counts: Vec<usize> = lines
                .iter()
                .map(|line| outside_quotes(line, delimiter))
                .collect();
            let first = counts.first().copied().unwrap_or(0);
            let agreeing = counts.iter().filter(|&&c| c == first && c > 0).count();
            (agreeing, counts.iter().sum::<usize>())
        })
        .unwrap_or(b',')
}

/// Reads the first worksheet of an XLSX workbook: its first non-empty row is the header. Cells are streamed, never
/// laid out as the whole range the sheet declares.
pub(super) fn read_xlsx(
    bytes: &[u8],
    columns: &LayerColumns,
    placer: &mut Placer<'_>,
) -> Result<LayerRead> {
    let format = LayerFormat::Xlsx;
    let malformed = |error: XlsxError| Error::Malformed {
        format,
        reason: error.to_string(),
    };
    zipped::open(bytes, format)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(malformed)?;
    let mut sheet = None;
    for name in workbook.sheet_names() {
        match workbook.worksheet_cells_reader(&name) {
            Ok(_) => {
                sheet = Some(name);
                break;
            }
            // A chart sheet has no cells.
            Err(XlsxError::NotAWorksheet(_)) => {}
            Err(error) => return Err(malformed(error)),
        }
    }
    let Some(sheet) = sheet else {
        return Err(Error::Malformed {
            format,
            reason: "the workbook has no worksheet".to_owned(),
        });
    };
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(malformed)?;
    // The header's row number and the table, once the header is read.
    let mut table: Option<(u32, Table)> = None;
    let mut row: Option<(u32, Vec<Cell>)> = None;
    let mut finish = |row: Option<(u32, Vec<Cell>)>, table: &mut Option<(u32, Table)>| {
        let Some((number, cells)) = row else {
            return Ok(());
        };
        match table {
            Some((header, table)) => {
                let data_row =
                    usize::try_from(number.saturating_sub(*header)).unwrap_or(usize::MAX);
                table.row(data_row, &cells, placer)
            }
            None if cells.iter().all(Cell::is_empty) => Ok(()),
            None => {
                *table = Some((number, Table::new(format, &cells, columns)?));
                Ok(())
            }
        }
    };
    while let Some(cell) = cells.next_cell().map_err(malformed)? {
        let (at, column) = cell.get_position();
        let Ok(column) = usize::try_from(column) else {
            continue;
        };
        if column >= MAX_COLUMNS {
            continue;
        }
        if row.as_ref().is_some_and(|(current, _)| *current != at) {
            finish(row.take(), &mut table)?;
        }
        let (_, values) = row.get_or_insert_with(|| (at, Vec::new()));
        if values.len() <= column {
            values.resize(column + 1, Cell::Empty);
        }
        if let Some(slot) = values.get_mut(column) {
            *slot = xlsx_cell(cell.get_value());
        }
    }
    finish(row.take(), &mut table)?;
    match table {
        Some((_, table)) => Ok(table.read),
        None => Err(Error::NoLocationColumns {
            header: header_list(&[]),
        }),
    }
}

fn xlsx_cell(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Int(n) => Cell::Int(*n),
        DataRef::Float(n) => Cell::Float(*n),
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
            Cell::Text(text.clone())
        }
        DataRef::SharedString(text) => Cell::Text((*text).to_owned()),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(moment) => {
            // Excel's own range: 1900-01-01 to 9999-12-31; outside it the serial stays a number.
            let serial = moment.as_f64();
            if moment.is_datetime() && (1.0..2_958_466.0).contains(&serial) {
                let (year, month, day, hour, minute, second, _) = moment.to_ymd_hms_milli();
                let date = format!("{year:04}-{month:02}-{day:02}");
                Cell::Text(if (hour, minute, second) == (0, 0, 0) {
                    date
                } else {
                    format!("{date}T{hour:02}:{minute:02}:{second:02}")
                })
            } else {
                Cell::Float(serial)
            }
        }
        DataRef::Error(error) => Cell::Text(error.to_string()),
        DataRef::Empty => Cell::Empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_separators() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(sniff_delimiter("a,b\n\"x;y\",2\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("just one column\n"), b',');
    }

    #[test]
    fn decodes_byte_order_marks_and_windows_1252() {
        assert_eq!(decode(b"\xef\xbb\xbfname"), "name");
        assert_eq!(decode(b"\xff\xfen\x00a\x00"), "na");
        assert_eq!(decode(b"caf\xe9"), "café");
    }
}
