//! Spreadsheets (XLSX, XLS, ODS) and CSV: one record per data row of every sheet, the first row
//! with anything in it being the header.
//!
//! A row becomes a report whose columns fill its parts as a [`ColumnMapping`] says (or as the
//! headers suggest): title, narrative, when (`created` and a `date` field), where (a `place`
//! field, and a `location` field from latitude and longitude), and every other column a field
//! named after its header. The sheet itself is not attached to its rows: whoever imports it
//! keeps the file once.
//!
//! Hostile workbooks are kept within [`Limits`](crate::Limits): zip members within the
//! decompression budget (XLSX, ODS), ODS repeated cells within the same budget, XLS sheets
//! within the memory their dense layout takes, rows within `max_rows`; a panic in the
//! spreadsheet library is a malformed file.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, ExcelDateTime, Reader as _, Xls, Xlsx, XlsxError};
use humdex_model::{Channel, Field, FieldName, FieldValue, Kind, Location, NewRecord, Source};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use quick_xml::events::{BytesStart, Event};
use serde::{Deserialize, Serialize};

use crate::archive::{Archive, check_zip};
use crate::guard::guarded;
use crate::text::title;
use crate::{Context, Extracted, File, Format, ReadError, detect};

/// Which columns of a spreadsheet or CSV hold what, each named by its header as written in the
/// header row (case and surrounding spaces do not matter). JSON: `{"title": "Subject",
/// "latitude": "Lat", "longitude": "Lon"}`.
///
/// A role left out is guessed from the headers, leftmost match first, a header equal to a word
/// below before one that merely contains it as a word (`incident_date`):
/// - title: `title`, `subject`, `summary`, `headline`
/// - narrative: `narrative`, `description`, `text`, `details`, `notes`, `body`, `comments`
/// - date: `date`, `datetime`, `time`, `timestamp`, `occurred`, `reported`, `when`
/// - place: `place`, `location`, `city`, `address`, `town`, `village`
/// - latitude: `lat`, `latitude`; longitude: `lon`, `lng`, `long` (only as the whole header),
///   `longitude`
///
/// A row's cell in a role column that does not fit the role (a date that is not one, a
/// latitude outside −90…90) is kept as an ordinary column instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// The record's title (its first line, at most 500 bytes). Without one: `<file name> row N`.
    #[serde(default)]
    pub title: Option<String>,
    /// The record's narrative. Without one, or where a row leaves it empty, the narrative lists
    /// every cell of the row as "header: value" lines.
    #[serde(default)]
    pub narrative: Option<String>,
    /// When it happened: an ISO date (`2024-05-01`), an ISO date and time (taken as UTC without
    /// an offset), `2024/05/01`, or a spreadsheet date cell. Sets `created` and a `date` field.
    #[serde(default)]
    pub date: Option<String>,
    /// Where it happened, as text: a `place` field (and the place name of `location`).
    #[serde(default)]
    pub place: Option<String>,
    /// Latitude in decimal degrees; with longitude, a `location` field.
    #[serde(default)]
    pub latitude: Option<String>,
    /// Longitude in decimal degrees; with latitude, a `location` field.
    #[serde(default)]
    pub longitude: Option<String>,
}

/// The most columns a spreadsheet has (Excel's and LibreOffice's limit).
const MAX_COLUMNS: u32 = 16_384;
/// How often the clock is checked.
const ROWS_PER_DEADLINE_CHECK: u64 = 1000;
/// Field names the roles write; a column whose header makes one of them gets another.
const ROLE_FIELDS: [&str; 3] = ["date", "place", "location"];

/// The records of the spreadsheet or CSV in `file`, read as `format`.
pub(crate) fn read(
    context: &Context<'_>,
    file: &File,
    format: Format,
) -> Result<Vec<Extracted>, ReadError> {
    let mut collector = Collector::new(*context, Sheets::All);
    let format_name = collect(&file.name, &file.bytes, format, csv_value, &mut collector)?;
    records(context, &file.name, format_name, collector.sheets)
}

/// The table in the spreadsheet or CSV file `name`: XLSX, XLS and ODS by their content, any
/// other file but a PDF, Word file, photo or zip archive as CSV.
pub(crate) fn read_table(
    context: &Context<'_>,
    name: &str,
    bytes: &[u8],
) -> Result<Table, ReadError> {
    let format = match detect(name, bytes) {
        Some(format @ (Format::Xlsx | Format::Xls | Format::Ods)) => format,
        Some(Format::Pdf | Format::Docx | Format::Image(_)) => {
            return Err(ReadError::Unsupported(Some(
                "not a spreadsheet or CSV".to_owned(),
            )));
        }
        _ if bytes.starts_with(b"PK\x03\x04") => {
            return Err(ReadError::Unsupported(Some(
                "a zip archive that is not a workbook".to_owned(),
            )));
        }
        _ => Format::Csv,
    };
    let mut collector = Collector::new(*context, Sheets::First);
    // CSV cells stay as written: what `00417` or `48,85` means is the caller's to decide.
    collect(name, bytes, format, Value::text, &mut collector)?;
    let mut rows = collector.sheets.into_iter().flat_map(|sheet| sheet.rows);
    let Some(header) = rows.next() else {
        return Ok(Table::default());
    };
    Ok(Table {
        header: texts(&header.cells),
        header_row: header.number,
        rows: rows.collect(),
    })
}

/// Gathers the rows of `bytes`, read as `format`, into `collector`, CSV cells turned into values
/// by `csv_cell`; answers the format's name.
fn collect(
    name: &str,
    bytes: &[u8],
    format: Format,
    csv_cell: fn(&str) -> Option<Value>,
    collector: &mut Collector<'_>,
) -> Result<&'static str, ReadError> {
    Ok(match format {
        Format::Xlsx => {
            read_xlsx(bytes, collector)?;
            "XLSX"
        }
        Format::Xls => {
            read_xls(bytes, collector)?;
            "XLS"
        }
        Format::Ods => {
            read_ods(bytes, collector)?;
            "ODS"
        }
        _ => {
            read_csv(name, bytes, csv_cell, collector)?;
            "CSV"
        }
    })
}

/// A table read from a spreadsheet or CSV: its first sheet with anything in it, whose first row
/// with anything in it is the header. Cells are text as the file shows them: numbers written out
/// (`52.23`), dates in ISO 8601 (`2024-05-01`, `2024-05-01T13:20:00`), surrounding spaces
/// trimmed. Rows past [`Limits::max_rows`](crate::Limits::max_rows) refuse the file.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    /// The header's row number, which data rows are counted from.
    header_row: u64,
    /// The data rows with the cells they have: a row is laid out in full only when asked for,
    /// so a sheet of far-right cells takes one row's room, not one per row.
    rows: Vec<Row>,
}

impl Table {
    /// The header's cells by column, empty where the header has none (and no cells at all when
    /// the file has no rows).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The data rows with anything in them, in order: each with its number counted from the
    /// header (the row below it is 1, blank rows and lines counted) and its cells by column,
    /// empty where the row has none. Columns past Excel's last are left out.
    pub fn rows(&self) -> impl Iterator<Item = (usize, Vec<String>)> + '_ {
        self.rows.iter().map(|row| {
            let number = row.number.saturating_sub(self.header_row);
            (
                usize::try_from(number).unwrap_or(usize::MAX),
                texts(&row.cells),
            )
        })
    }
}

/// A row's cells laid out by column, the blank ones empty.
fn texts(cells: &[(u32, Value)]) -> Vec<String> {
    let mut texts = Vec::new();
    // Cells are sorted by column, each column once.
    for (column, value) in cells.iter().take_while(|(column, _)| *column < MAX_COLUMNS) {
        texts.resize(*column as usize, String::new());
        texts.push(value.display());
    }
    texts
}

/// A cell's content, whatever the format it came from. Blank cells are not kept.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Number(f64),
    /// A date and time of day, as spreadsheets keep them: without a time zone.
    Moment(DateTime),
}

impl Value {
    fn text(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| Self::Text(text.to_owned()))
    }

    fn number(number: f64) -> Option<Self> {
        number.is_finite().then_some(Self::Number(number))
    }

    fn from_data(data: &Data) -> Option<Self> {
        match data {
            Data::Int(number) => Self::number(*number as f64),
            Data::Float(number) => Self::number(*number),
            Data::String(text) => Self::text(text),
            Data::Bool(flag) => Self::text(&flag.to_string()),
            Data::DateTime(moment) => Self::from_excel(moment),
            Data::DateTimeIso(text) => Self::from_iso(text),
            Data::DurationIso(text) => Self::text(text),
            Data::Error(_) | Data::Empty => None,
        }
    }

    fn from_data_ref(data: &DataRef<'_>) -> Option<Self> {
        match data {
            DataRef::Int(number) => Self::number(*number as f64),
            DataRef::Float(number) => Self::number(*number),
            DataRef::String(text) => Self::text(text),
            DataRef::SharedString(text) => Self::text(text),
            DataRef::Bool(flag) => Self::text(&flag.to_string()),
            DataRef::DateTime(moment) => Self::from_excel(moment),
            DataRef::DateTimeIso(text) => Self::from_iso(text),
            DataRef::DurationIso(text) => Self::text(text),
            DataRef::Error(_) | DataRef::Empty => None,
        }
    }

    /// An Excel serial date (days since 1900, or 1904, with the time as the fraction). A time
    /// of day alone or a duration stays a number.
    fn from_excel(moment: &ExcelDateTime) -> Option<Self> {
        // Excel's own range: 1900-01-01 to 9999-12-31.
        let serial = moment.as_f64();
        if !moment.is_datetime() || !(1.0..2_958_466.0).contains(&serial) {
            return Self::number(serial);
        }
        let (year, month, day, hour, minute, second, _) = moment.to_ymd_hms_milli();
        let civil = DateTime::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
            i8::try_from(hour).ok()?,
            i8::try_from(minute).ok()?,
            i8::try_from(second).ok()?,
            0,
        );
        // Excel's 1900-02-29, which never was, stays a number.
        civil.map_or_else(|_| Self::number(serial), |civil| Some(Self::Moment(civil)))
    }

    /// An ISO 8601 date or date and time (ODS date cells), as a moment where it is one.
    fn from_iso(text: &str) -> Option<Self> {
        match text.parse::<DateTime>() {
            Ok(moment) => Some(Self::Moment(moment)),
            Err(_) => Self::text(text),
        }
    }

    /// The value as a person reads it.
    fn display(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Number(number) => number.to_string(),
            Self::Moment(moment) if moment.time() == jiff::civil::Time::midnight() => {
                moment.date().to_string()
            }
            Self::Moment(moment) => moment.to_string(),
        }
    }

    /// What holding one more copy of the value costs, for the ODS expansion budget.
    fn size(&self) -> u64 {
        let text = match self {
            Self::Text(text) => text.len(),
            _ => 0,
        };
        (size_of::<(u32, Self)>() + text) as u64
    }

    fn field_value(&self) -> FieldValue {
        match self {
            Self::Text(text) => FieldValue::Text(text.clone()),
            Self::Number(number) => FieldValue::Number(*number),
            Self::Moment(moment) if moment.time() == jiff::civil::Time::midnight() => {
                FieldValue::Date(moment.date())
            }
            Self::Moment(_) => FieldValue::Text(self.display()),
        }
    }

    /// The date written in the cell and the instant it stands for (UTC where the cell gives no
    /// offset), if the cell is a date: a spreadsheet date, or text in ISO 8601 (`2024-05-01`,
    /// `2024-05-01T13:20:00Z`, `2024-05-01 13:20`) or as `2024/05/01`.
    fn moment(&self) -> Option<(Date, Timestamp)> {
        match self {
            Self::Moment(moment) => Some((moment.date(), Offset::UTC.to_timestamp(*moment).ok()?)),
            Self::Number(_) => None,
            Self::Text(text) => moment_of_text(text),
        }
    }

    /// Degrees, from a number or the text of one.
    fn degrees(&self) -> Option<f64> {
        match self {
            Self::Number(number) => Some(*number),
            Self::Text(text) => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            Self::Moment(_) => None,
        }
    }
}

fn moment_of_text(text: &str) -> Option<(Date, Timestamp)> {
    let text = text.trim();
    // Only year-first forms: 03/04/2024 means different days in different countries.
    let year_first = text.get(..4)?.bytes().all(|byte| byte.is_ascii_digit());
    let text = match text.get(4..5)? {
        "-" if year_first => Cow::Borrowed(text),
        "/" if year_first && text.get(7..8) == Some("/") => Cow::Owned(format!(
            "{}-{}-{}",
            text.get(..4)?,
            text.get(5..7)?,
            text.get(8..)?
        )),
        _ => return None,
    };
    if let Ok(instant) = text.parse::<Timestamp>() {
        // The date as written, in the writer's own offset.
        let date = text.get(..10)?.parse::<Date>().ok()?;
        return Some((date, instant));
    }
    if let Ok(moment) = text.parse::<DateTime>() {
        return Some((moment.date(), Offset::UTC.to_timestamp(moment).ok()?));
    }
    let date = text.parse::<Date>().ok()?;
    Some((
        date,
        Offset::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .ok()?,
    ))
}

/// One row: its number as the spreadsheet shows it (from 1), and its cells by column.
#[derive(Debug, Clone)]
struct Row {
    number: u64,
    cells: Vec<(u32, Value)>,
}

impl Row {
    fn get(&self, column: u32) -> Option<&Value> {
        let index = self
            .cells
            .binary_search_by_key(&column, |(at, _)| *at)
            .ok()?;
        self.cells.get(index).map(|(_, value)| value)
    }
}

/// A sheet's rows with anything in them; the first is the header. CSV has one unnamed sheet.
#[derive(Debug, Default)]
struct Sheet {
    name: Option<String>,
    rows: Vec<Row>,
}

/// Which sheets a file's rows are gathered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sheets {
    /// Every sheet: each row a record.
    All,
    /// The first sheet with anything in it: a table.
    First,
}

/// Gathers the rows of a file, counting data rows against the limit as they come.
struct Collector<'a> {
    context: Context<'a>,
    wanted: Sheets,
    sheets: Vec<Sheet>,
    data_rows: u64,
    /// Whether the sheets wanted are read, and the rest are passed over.
    done: bool,
}

impl<'a> Collector<'a> {
    fn new(context: Context<'a>, wanted: Sheets) -> Self {
        Self {
            context,
            wanted,
            sheets: Vec::new(),
            data_rows: 0,
            done: false,
        }
    }

    /// Starts a sheet; false once no more sheets are wanted.
    fn start_sheet(&mut self, name: Option<String>) -> bool {
        let first_read = self.sheets.iter().any(|sheet| !sheet.rows.is_empty());
        self.done |= self.wanted == Sheets::First && first_read;
        if !self.done {
            self.sheets.push(Sheet {
                name,
                rows: Vec::new(),
            });
        }
        !self.done
    }

    /// Adds a row; one without cells is skipped, and so is one of a sheet not wanted.
    fn push(&mut self, number: u64, mut cells: Vec<(u32, Value)>) -> Result<(), ReadError> {
        if cells.is_empty() || self.done {
            return Ok(());
        }
        cells.sort_by_key(|(column, _)| *column);
        cells.dedup_by_key(|(column, _)| *column);
        if self.sheets.is_empty() {
            self.start_sheet(None);
        }
        let Some(sheet) = self.sheets.last_mut() else {
            return Ok(());
        };
        if !sheet.rows.is_empty() {
            self.data_rows += 1;
            let limit = self.context.options.limits.max_rows;
            if self.data_rows > limit {
                return Err(ReadError::Limit(format!(
                    "the file has more than {limit} rows"
                )));
            }
            if self.data_rows.is_multiple_of(ROWS_PER_DEADLINE_CHECK) {
                self.context.deadline.check()?;
            }
        }
        sheet.rows.push(Row { number, cells });
        Ok(())
    }
}

/// Runs a call into the spreadsheet library, which may panic on a hostile file: a panic or an
/// error is a malformed file.
fn library_call<T, E: std::fmt::Display>(
    format: &'static str,
    call: impl FnOnce() -> Result<T, E>,
) -> Result<T, ReadError> {
    guarded(format, call)?.map_err(|error| ReadError::malformed(format, error))
}

fn read_xlsx(bytes: &[u8], collector: &mut Collector<'_>) -> Result<(), ReadError> {
    check_zip(bytes, &collector.context.options.limits)?;
    let mut workbook: Xlsx<_> = library_call("XLSX", || Xlsx::new(Cursor::new(bytes)))?;
    for name in workbook.sheet_names() {
        // Cells are streamed: a sheet is never laid out densely, whatever range it declares.
        let workbook = &mut workbook;
        let mut cells = match guarded("XLSX", || workbook.worksheet_cells_reader(&name))? {
            Ok(cells) => cells,
            // A chart sheet has no cells.
            Err(XlsxError::NotAWorksheet(_)) => continue,
            Err(error) => return Err(ReadError::malformed("XLSX", error)),
        };
        if !collector.start_sheet(Some(name)) {
            break;
        }
        let mut row: Option<(u32, Vec<(u32, Value)>)> = None;
        while let Some(cell) = library_call("XLSX", || cells.next_cell())? {
            let (at, column) = cell.get_position();
            if row.as_ref().is_some_and(|(current, _)| *current != at)
                && let Some((number, values)) = row.take()
            {
                collector.push(u64::from(number) + 1, values)?;
            }
            let (_, values) = row.get_or_insert_with(|| (at, Vec::new()));
            if let Some(value) = Value::from_data_ref(cell.get_value()) {
                values.push((column, value));
            }
        }
        if let Some((number, values)) = row {
            collector.push(u64::from(number) + 1, values)?;
        }
    }
    Ok(())
}

fn read_xls(bytes: &[u8], collector: &mut Collector<'_>) -> Result<(), ReadError> {
    check_xls(bytes, collector.context)?;
    let mut workbook: Xls<_> = library_call("XLS", || Xls::new(Cursor::new(bytes)))?;
    for name in workbook.sheet_names() {
        if !collector.start_sheet(Some(name.clone())) {
            break;
        }
        let range = library_call("XLS", || workbook.worksheet_range(&name))?;
        let Some((first_row, first_column)) = range.start() else {
            continue;
        };
        for (index, cells) in range.rows().enumerate() {
            let values = cells
                .iter()
                .enumerate()
                .filter_map(|(offset, data)| {
                    let column = first_column.saturating_add(u32::try_from(offset).ok()?);
                    Some((column, Value::from_data(data)?))
                })
                .collect();
            collector.push(u64::from(first_row) + index as u64 + 1, values)?;
        }
    }
    Ok(())
}

/// Refuses an XLS file whose sheets the spreadsheet library would lay out in more memory than
/// the decompression budget allows. It allocates a sheet densely, from its first to its last
/// row and column, before looking at a single cell, so two cells far apart in a few bytes would
/// otherwise make it ask for terabytes (and abort the process, which no `catch_unwind` stops).
///
/// The check walks the workbook stream's records the way the library does, from the start and
/// from every sheet position the stream names, and bounds every cell and declared dimension.
/// Its own compound-file reader (the `cfb` crate) reads the stream; a file whose streams the two
/// readers would see differently is the one gap left.
fn check_xls(bytes: &[u8], context: Context<'_>) -> Result<(), ReadError> {
    let malformed = |error: std::io::Error| ReadError::malformed("XLS", error);
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(malformed)?;
    // The library reads the stream named exactly `Workbook`, or else `Book`; the names are
    // compared without case here to cover both.
    let paths: Vec<_> = file
        .walk()
        .filter(|entry| {
            entry.is_stream()
                && ["workbook", "book"]
                    .iter()
                    .any(|name| entry.name().eq_ignore_ascii_case(name))
        })
        .map(|entry| entry.path().to_owned())
        .collect();
    // Cell data and the formulas beside them, per cell of the dense layout.
    let cell_bytes = (size_of::<Data>() + size_of::<String>()) as u64;
    let max_cells = context.options.limits.max_expanded_bytes / cell_bytes;
    for path in paths {
        let mut stream = Vec::new();
        file.open_stream(&path)
            .map_err(malformed)?
            .take(bytes.len() as u64)
            .read_to_end(&mut stream)
            .map_err(malformed)?;
        let bounds = xls_bounds(&stream, context)?;
        if bounds.cells() > max_cells {
            return Err(ReadError::Limit(format!(
                "the workbook's sheets span {} cells; the limit is {max_cells}",
                bounds.cells()
            )));
        }
    }
    Ok(())
}

/// The rows and columns that the cells of an XLS stream span, and the largest declared sheet.
#[derive(Debug, Default)]
struct XlsBounds {
    rows: Option<(u32, u32)>,
    columns: Option<(u32, u32)>,
    declared: u64,
}

impl XlsBounds {
    fn cell(&mut self, row: u16, first_column: u16, last_column: u16) {
        let widen = |span: Option<(u32, u32)>, low: u32, high: u32| {
            Some(span.map_or((low, high), |(min, max)| (min.min(low), max.max(high))))
        };
        self.rows = widen(self.rows, row.into(), row.into());
        self.columns = widen(
            self.columns,
            first_column.min(last_column).into(),
            first_column.max(last_column).into(),
        );
    }

    fn cells(&self) -> u64 {
        let span = |span: Option<(u32, u32)>| span.map_or(0, |(min, max)| u64::from(max - min) + 1);
        (span(self.rows) * span(self.columns)).max(self.declared)
    }
}

fn xls_bounds(stream: &[u8], context: Context<'_>) -> Result<XlsBounds, ReadError> {
    let mut bounds = XlsBounds::default();
    // A record boundary once walked leads to the same records again.
    let mut walked = HashSet::new();
    let mut starts = vec![0_usize];
    while let Some(mut at) = starts.pop() {
        while walked.insert(at) {
            if walked.len() % 100_000 == 0 {
                context.deadline.check()?;
            }
            let (Some(kind), Some(length)) = (u16_at(stream, at), u16_at(stream, at + 2)) else {
                break;
            };
            let Some(data) = stream.get(at + 4..at + 4 + usize::from(length)) else {
                break;
            };
            match kind {
                // BoundSheet8: where a sheet's records start.
                0x0085 => starts.extend(u32_at(data, 0).map(|position| position as usize)),
                // Dimensions, which the library reserves room for: BIFF8 rows are 32-bit.
                0x0200 => bounds.declared = bounds.declared.max(declared_cells(data)),
                // MulRk: a run of cells from a first to a last column.
                0x00BD => {
                    if let (Some(row), Some(first), Some(last)) = (
                        u16_at(data, 0),
                        u16_at(data, 2),
                        data.len().checked_sub(2).and_then(|end| u16_at(data, end)),
                    ) {
                        bounds.cell(row, first, last);
                    }
                }
                // Formula, Number, Label, BoolErr, RK, LabelSst, RString: one cell each.
                0x0006 | 0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00FD | 0x00D6 => {
                    if let (Some(row), Some(column)) = (u16_at(data, 0), u16_at(data, 2)) {
                        bounds.cell(row, column, column);
                    }
                }
                _ => {}
            }
            at += 4 + usize::from(length);
        }
    }
    Ok(bounds)
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    bytes.try_into().ok().map(u16::from_le_bytes)
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    bytes.try_into().ok().map(u32::from_le_bytes)
}

/// The cells a Dimensions record makes the library reserve room for, computed as it does
/// (including the wrap-around of a last row before the first).
fn declared_cells(data: &[u8]) -> u64 {
    let u16_at = |at| u16_at(data, at).map_or(0, u32::from);
    let u32_at = |at| u32_at(data, at).unwrap_or(0);
    let (first_row, last_row, mut first_column, last_column) = match data.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        _ => return 0,
    };
    if first_column > 0xFF || last_column < first_column {
        first_column = 0;
    }
    if last_row == 0 || last_column == 0 {
        return 1;
    }
    let rows = u64::from((last_row - 1).wrapping_sub(first_row).wrapping_add(1));
    let columns = u64::from((last_column - 1).wrapping_sub(first_column).wrapping_add(1));
    rows.saturating_mul(columns)
}

/// ODS is read here rather than by the spreadsheet library, which expands repeated rows and
/// cells (a few bytes can say "this row, a million times") before we could count them.
fn read_ods(bytes: &[u8], collector: &mut Collector<'_>) -> Result<(), ReadError> {
    let limits = &collector.context.options.limits;
    let content = Archive::open(bytes, limits)?
        .read("content.xml")?
        .ok_or_else(|| ReadError::malformed("ODS", "it has no content.xml"))?;
    let xml = std::str::from_utf8(&content).map_err(|error| ReadError::malformed("ODS", error))?;
    let mut ods = Ods {
        budget: limits
            .max_expanded_bytes
            .saturating_sub(content.len() as u64),
        ..Ods::default()
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader
            .read_event()
            .map_err(|error| ReadError::malformed("ODS", error))?
        {
            Event::Start(element) => ods.start(&element, collector)?,
            Event::Empty(element) => {
                ods.start(&element, collector)?;
                ods.end(element.name().as_ref(), collector)?;
            }
            Event::End(element) => ods.end(element.name().as_ref(), collector)?,
            Event::Text(text) => ods.text(&text.xml10_content()),
            Event::CData(text) => ods.text(&text),
            Event::GeneralRef(reference) => {
                let character = match reference.resolve_char_ref() {
                    Ok(Some(character)) => Some(character),
                    _ => match reference.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(character) = character {
                    ods.text(character.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// Where an ODS reading stands.
#[derive(Debug, Default)]
struct Ods {
    /// Rows of the current sheet before the current one, repeats counted.
    rows_before: u64,
    row: Option<OdsRow>,
    cell: Option<OdsCell>,
    /// Paragraphs open in the current cell.
    paragraphs: u32,
    /// Comments open: their text is not the cell's.
    annotations: u32,
    /// Bytes that repeated rows and cells may still take.
    budget: u64,
}

#[derive(Debug)]
struct OdsRow {
    repeat: u64,
    column: u32,
    cells: Vec<(u32, Value)>,
}

#[derive(Debug)]
struct OdsCell {
    repeat: u64,
    /// The value its attributes give, if they give one.
    typed: Option<Value>,
    text: String,
    paragraphs_seen: u32,
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Result<Option<String>, ReadError> {
    let attribute = element
        .try_get_attribute(name)
        .map_err(|error| ReadError::malformed("ODS", error))?;
    attribute
        .map(|attribute| {
            attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(Cow::into_owned)
        })
        .transpose()
        .map_err(|error| ReadError::malformed("ODS", error))
}

fn repeat(element: &BytesStart<'_>, name: &str) -> Result<u64, ReadError> {
    attribute(element, name)?.map_or(Ok(1), |count| {
        count
            .trim()
            .parse::<u64>()
            .map(|count| count.max(1))
            .map_err(|_| ReadError::malformed("ODS", format!("{name} is `{count}`")))
    })
}

impl Ods {
    fn start(
        &mut self,
        element: &BytesStart<'_>,
        collector: &mut Collector<'_>,
    ) -> Result<(), ReadError> {
        match element.name().as_ref() {
            // A table nested in a cell is not a sheet.
            "table:table" if self.cell.is_none() => {
                collector.start_sheet(attribute(element, "table:name")?);
                self.rows_before = 0;
            }
            "table:table-row" if self.cell.is_none() => {
                self.row = Some(OdsRow {
                    repeat: repeat(element, "table:number-rows-repeated")?,
                    column: 0,
                    cells: Vec::new(),
                });
            }
            "table:table-cell" | "table:covered-table-cell"
                if self.row.is_some() && self.cell.is_none() =>
            {
                self.cell = Some(OdsCell {
                    repeat: repeat(element, "table:number-columns-repeated")?,
                    typed: typed_value(element)?,
                    text: String::new(),
                    paragraphs_seen: 0,
                });
            }
            "office:annotation" => self.annotations += 1,
            "text:p" | "text:h" if self.annotations == 0 => {
                if let Some(cell) = &mut self.cell {
                    if cell.paragraphs_seen > 0 {
                        cell.text.push('\n');
                    }
                    cell.paragraphs_seen += 1;
                }
                self.paragraphs += 1;
            }
            "text:s" => {
                // A run of spaces; no real cell needs thousands.
                let count = repeat(element, "text:c")?.min(1000);
                self.text(&" ".repeat(count as usize));
            }
            "text:tab" => self.text("\t"),
            "text:line-break" => self.text("\n"),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str, collector: &mut Collector<'_>) -> Result<(), ReadError> {
        match name {
            "table:table-cell" | "table:covered-table-cell" => self.end_cell(),
            "table:table-row" if self.cell.is_none() => self.end_row(collector),
            "office:annotation" => {
                self.annotations = self.annotations.saturating_sub(1);
                Ok(())
            }
            "text:p" | "text:h" if self.annotations == 0 => {
                self.paragraphs = self.paragraphs.saturating_sub(1);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn text(&mut self, text: &str) {
        if self.paragraphs > 0
            && self.annotations == 0
            && let Some(cell) = &mut self.cell
        {
            cell.text.push_str(text);
        }
    }

    /// Takes `bytes` from the expansion budget.
    fn spend(&mut self, bytes: u64) -> Result<(), ReadError> {
        self.budget = self.budget.checked_sub(bytes).ok_or_else(|| {
            ReadError::Limit("the sheet's repeated rows and cells expand past the limit".to_owned())
        })?;
        Ok(())
    }

    fn end_cell(&mut self) -> Result<(), ReadError> {
        let (Some(cell), Some(row)) = (self.cell.take(), self.row.as_mut()) else {
            return Ok(());
        };
        self.paragraphs = 0;
        let start = row.column;
        let end = start
            .saturating_add(u32::try_from(cell.repeat).unwrap_or(u32::MAX))
            .min(MAX_COLUMNS);
        row.column = end;
        let Some(value) = cell.typed.or_else(|| Value::text(&cell.text)) else {
            return Ok(());
        };
        let copies = u64::from(end - start);
        let size = value.size();
        self.spend(copies.saturating_sub(1).saturating_mul(size))?;
        if let Some(row) = self.row.as_mut() {
            row.cells
                .extend((start..end).map(|column| (column, value.clone())));
        }
        Ok(())
    }

    fn end_row(&mut self, collector: &mut Collector<'_>) -> Result<(), ReadError> {
        let Some(row) = self.row.take() else {
            return Ok(());
        };
        let first = self.rows_before + 1;
        self.rows_before = self.rows_before.saturating_add(row.repeat);
        if row.cells.is_empty() {
            return Ok(());
        }
        let size: u64 = row.cells.iter().map(|(_, value)| value.size()).sum();
        // Each repetition is a row of its own; the row limit ends a runaway repeat.
        for offset in 0..row.repeat {
            if offset > 0 {
                self.spend(size)?;
            }
            collector.push(first.saturating_add(offset), row.cells.clone())?;
        }
        Ok(())
    }
}

/// The value an ODS cell's attributes give: numbers, dates and booleans. Text comes from its
/// paragraphs.
fn typed_value(element: &BytesStart<'_>) -> Result<Option<Value>, ReadError> {
    let value_type = attribute(element, "office:value-type")?;
    let value = match value_type.as_deref() {
        Some("float" | "percentage" | "currency") => attribute(element, "office:value")?
            .and_then(|number| number.trim().parse::<f64>().ok())
            .and_then(Value::number),
        Some("date") => attribute(element, "office:date-value")?.and_then(|date| {
            date.parse::<DateTime>()
                .map(Value::Moment)
                .ok()
                .or_else(|| Value::text(&date))
        }),
        Some("boolean") => {
            attribute(element, "office:boolean-value")?.and_then(|flag| Value::text(&flag))
        }
        Some("string") => {
            attribute(element, "office:string-value")?.and_then(|text| Value::text(&text))
        }
        _ => None,
    };
    Ok(value)
}

fn read_csv(
    name: &str,
    bytes: &[u8],
    cell: fn(&str) -> Option<Value>,
    collector: &mut Collector<'_>,
) -> Result<(), ReadError> {
    let text = decode(bytes);
    let delimiter = if name.to_ascii_lowercase().ends_with(".tsv") {
        b'\t'
    } else {
        sniff_delimiter(&text)
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    collector.start_sheet(None);
    let mut record = csv::StringRecord::new();
    let bytes = text.as_bytes();
    let mut row = 0_u64;
    // Where the reader stopped: somewhere in the line breaks after the last record.
    let mut end = 0_usize;
    loop {
        // The reader skips blank lines, which a spreadsheet shows as rows: the line breaks
        // between two records count the rows between them (a quoted cell's do not).
        let before = bytes.get(..end).unwrap_or_default();
        let content_end = before
            .iter()
            .rposition(|byte| !matches!(byte, b'\r' | b'\n'))
            .map_or(0, |last| last + 1);
        let start = end
            + bytes
                .get(end..)
                .unwrap_or_default()
                .iter()
                .take_while(|byte| matches!(byte, b'\r' | b'\n'))
                .count();
        let breaks = line_breaks(bytes.get(content_end..start).unwrap_or_default());
        if !reader
            .read_record(&mut record)
            .map_err(|error| ReadError::malformed("CSV", error))?
        {
            return Ok(());
        }
        row = if row == 0 { breaks + 1 } else { row + breaks };
        end = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        let cells = record
            .iter()
            .enumerate()
            .filter_map(|(column, text)| Some((u32::try_from(column).ok()?, cell(text)?)))
            .collect();
        collector.push(row, cells)?;
    }
}

/// How many line breaks `bytes` holds, `\r\n` being one.
fn line_breaks(bytes: &[u8]) -> u64 {
    let mut breaks = 0;
    let mut after_return = false;
    for &byte in bytes {
        if byte == b'\r' || (byte == b'\n' && !after_return) {
            breaks += 1;
        }
        after_return = byte == b'\r';
    }
    breaks
}

/// CSV text: UTF-8, or UTF-16 with its byte order mark, or else Windows-1252 (what Excel writes).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let rest = bytes.get(bom..).unwrap_or_default();
        return encoding.decode_without_bom_handling(rest).0;
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

/// The delimiter among `,` `;` and tab that splits the first lines into as many fields as the
/// first line most often; where the first line has none of them, the one found most often
/// (a comma on a tie).
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
                if byte == b'"' {
                    quoted = !quoted;
                }
                byte == delimiter && !quoted
            })
            .count()
    };
    // `max_by_key` keeps the last of equals: the comma goes last.
    [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|&delimiter| {
            let counts: Vec<usize> = lines
                .iter()
                .map(|line| outside_quotes(line, delimiter))
                .collect();
            let first = counts.first().copied().unwrap_or(0);
            let agreeing = if first > 0 {
                counts.iter().filter(|&&count| count == first).count()
            } else {
                0
            };
            (agreeing, counts.iter().sum::<usize>())
        })
        .unwrap_or(b',')
}

/// A CSV cell: a number when it is written as one plainly (no leading zeros or `+`, which mark
/// identifiers and phone numbers, and at most 15 digits, all that a number keeps), else text.
fn csv_value(text: &str) -> Option<Value> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !whole.is_empty()
        && whole
            .bytes()
            .chain(fraction.bytes())
            .all(|byte| byte.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'))
        && !(digits.contains('.') && fraction.is_empty())
        && whole.len() + fraction.len() <= 15;
    match text.parse::<f64>() {
        Ok(number) if plain => Value::number(number),
        _ => Value::text(text),
    }
}

/// What the header row of a sheet says about its columns.
#[derive(Debug)]
struct Layout {
    columns: BTreeMap<u32, Column>,
    roles: Roles,
    /// Every field name a column has, and those the roles write.
    names: HashSet<String>,
}

#[derive(Debug)]
struct Column {
    /// The header as written.
    label: String,
    /// The field the column's values go to.
    name: String,
}

#[derive(Debug, Default)]
struct Roles {
    title: Option<u32>,
    narrative: Option<u32>,
    date: Option<u32>,
    place: Option<u32>,
    latitude: Option<u32>,
    longitude: Option<u32>,
}

/// The headers that suggest a role: equal to one of `exact` (or of `words`), or holding one of
/// `words` as a word.
struct Guess {
    exact: &'static [&'static str],
    words: &'static [&'static str],
}

const TITLE: Guess = Guess {
    exact: &[],
    words: &["title", "subject", "summary", "headline"],
};
const NARRATIVE: Guess = Guess {
    exact: &[],
    words: &[
        "narrative",
        "description",
        "text",
        "details",
        "notes",
        "body",
        "comments",
    ],
};
const DATE: Guess = Guess {
    exact: &[],
    words: &[
        "date",
        "datetime",
        "time",
        "timestamp",
        "occurred",
        "reported",
        "when",
    ],
};
const PLACE: Guess = Guess {
    exact: &[],
    words: &["place", "location", "city", "address", "town", "village"],
};
const LATITUDE: Guess = Guess {
    exact: &[],
    words: &["lat", "latitude"],
};
const LONGITUDE: Guess = Guess {
    exact: &["long"],
    words: &["lon", "lng", "longitude"],
};

impl Layout {
    fn new(header: &Row, mapping: Option<&ColumnMapping>) -> Result<Self, String> {
        let mut names: HashSet<String> =
            ROLE_FIELDS.iter().map(|name| (*name).to_owned()).collect();
        let mut columns = BTreeMap::new();
        for (column, value) in &header.cells {
            let label = value.display();
            let name = unique_name(&field_base(&label, *column), &names);
            names.insert(name.clone());
            columns.insert(*column, Column { label, name });
        }
        let unmapped = ColumnMapping::default();
        let mapping = mapping.unwrap_or(&unmapped);
        let mut taken = Vec::new();
        let mut mapped = |wanted: &Option<String>| -> Result<Option<u32>, String> {
            let Some(wanted) = wanted else {
                return Ok(None);
            };
            let found = columns
                .iter()
                .find(|(_, column)| column.label.trim().eq_ignore_ascii_case(wanted.trim()))
                .map(|(at, _)| *at);
            match found {
                Some(at) => {
                    taken.push(at);
                    Ok(Some(at))
                }
                None => {
                    let labels: Vec<&str> = columns
                        .values()
                        .map(|column| column.label.as_str())
                        .collect();
                    Err(format!(
                        "the mapping names column `{wanted}`, which the header row lacks ({})",
                        labels.join(", ")
                    ))
                }
            }
        };
        let mut roles = Roles {
            title: mapped(&mapping.title)?,
            narrative: mapped(&mapping.narrative)?,
            date: mapped(&mapping.date)?,
            place: mapped(&mapping.place)?,
            latitude: mapped(&mapping.latitude)?,
            longitude: mapped(&mapping.longitude)?,
        };
        for (role, guess) in [
            (&mut roles.latitude, LATITUDE),
            (&mut roles.longitude, LONGITUDE),
            (&mut roles.title, TITLE),
            (&mut roles.narrative, NARRATIVE),
            (&mut roles.date, DATE),
            (&mut roles.place, PLACE),
        ] {
            if role.is_none() {
                *role = guessed(&columns, &taken, &guess);
                taken.extend(*role);
            }
        }
        Ok(Self {
            columns,
            roles,
            names,
        })
    }

    /// The header of `column`, or its number where the header row leaves it blank.
    fn label(&self, column: u32) -> Cow<'_, str> {
        match self.columns.get(&column) {
            Some(found) => Cow::Borrowed(&found.label),
            None => Cow::Owned(format!("column {}", u64::from(column) + 1)),
        }
    }

    fn field_name(&self, column: u32) -> String {
        match self.columns.get(&column) {
            Some(found) => found.name.clone(),
            None => unique_name(&format!("column_{}", u64::from(column) + 1), &self.names),
        }
    }

    /// The record of `row`, titled "`place` row N" when no title column has one.
    fn record(&self, row: &Row, place: &str) -> NewRecord {
        let cell = |column: Option<u32>| column.and_then(|column| Some((column, row.get(column)?)));
        let mut used = Vec::new();
        let mut fields = BTreeMap::new();
        let mut insert = |name: &str, value: FieldValue| {
            if let Ok(name) = FieldName::new(name) {
                fields.insert(name, Field { value, label: None });
            }
        };

        let title_cell =
            cell(self.roles.title).and_then(|(at, value)| Some((at, title(&value.display())?)));
        let narrative_cell = cell(self.roles.narrative);
        used.extend(title_cell.as_ref().map(|(at, _)| *at));
        used.extend(narrative_cell.map(|(at, _)| at));

        let when = cell(self.roles.date).and_then(|(at, value)| Some((at, value.moment()?)));
        if let Some((at, (date, _))) = when {
            insert("date", FieldValue::Date(date));
            used.push(at);
        }
        let place_name = cell(self.roles.place).map(|(at, value)| (at, value.display()));
        if let Some((at, name)) = &place_name {
            insert("place", FieldValue::Text(name.clone()));
            used.push(*at);
        }
        let degrees = |column| cell(column).and_then(|(at, value)| Some((at, value.degrees()?)));
        if let (Some((lat_at, lat)), Some((lon_at, lon))) =
            (degrees(self.roles.latitude), degrees(self.roles.longitude))
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon)
        {
            let place = place_name.as_ref().map(|(_, name)| name.clone());
            insert(
                "location",
                FieldValue::Location(Location { lat, lon, place }),
            );
            used.extend([lat_at, lon_at]);
        }
        for (column, value) in &row.cells {
            if !used.contains(column) {
                insert(&self.field_name(*column), value.field_value());
            }
        }

        let narrative = match narrative_cell {
            Some((_, value)) => value.display(),
            None => row
                .cells
                .iter()
                .map(|(column, value)| format!("{}: {}", self.label(*column), value.display()))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let title = title_cell
            .map(|(_, title)| title)
            .or_else(|| title(&format!("{place} row {}", row.number)))
            .unwrap_or_else(|| format!("row {}", row.number));
        NewRecord {
            kind: Kind::Report,
            title,
            narrative,
            label: None,
            label_pointer: false,
            point_of_contact: None,
            fields,
            source: Some(Source::unjudged(Channel::Import)),
            created: when.map(|(_, (_, instant))| instant),
            priority: Default::default(),
            due: None,
            assignee: None,
        }
    }
}

/// The leftmost column whose header suggests the role, a whole-header match first.
fn guessed(columns: &BTreeMap<u32, Column>, taken: &[u32], guess: &Guess) -> Option<u32> {
    let free = || columns.iter().filter(|(at, _)| !taken.contains(at));
    let whole = free().find(|(_, column)| {
        let name = column.name.as_str();
        guess.exact.contains(&name) || guess.words.contains(&name)
    });
    let word = || {
        free().find(|(_, column)| {
            column
                .name
                .as_str()
                .split('_')
                .any(|word| guess.words.contains(&word))
        })
    };
    whole.or_else(word).map(|(at, _)| *at)
}

/// A field name from a header: lower-case ASCII letters and digits, words joined by `_`
/// (`Date Reported` → `date_reported`); `column_N` when nothing is left of it.
fn field_base(label: &str, column: u32) -> String {
    let mut name = String::new();
    for character in label.chars() {
        if character.is_ascii_alphanumeric() {
            name.push(character.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
    }
    let name = name.trim_end_matches('_');
    match name.chars().next() {
        None => format!("column_{}", u64::from(column) + 1),
        Some(first) if first.is_ascii_digit() => format!("column_{name}"),
        Some(_) => name.to_owned(),
    }
}

/// `base` (cut to fit), or `base_2`, `base_3` … if `taken` has it already.
fn unique_name(base: &str, taken: &HashSet<String>) -> String {
    // A field name is at most 64 bytes; room is left for a suffix.
    let base = base
        .get(..base.len().min(56))
        .unwrap_or(base)
        .trim_end_matches('_');
    let mut candidate = base.to_owned();
    let mut suffix = 1_u32;
    while taken.contains(&candidate) {
        suffix += 1;
        candidate = format!("{base}_{suffix}");
    }
    candidate
}

/// The records of the rows of `sheets`, each checked as intake would check it.
fn records(
    context: &Context<'_>,
    file_name: &str,
    format: &'static str,
    sheets: Vec<Sheet>,
) -> Result<Vec<Extracted>, ReadError> {
    // Rows of several sheets are told apart by their sheet's name.
    let several = sheets.iter().filter(|sheet| sheet.rows.len() > 1).count() > 1;
    let mut records = Vec::new();
    for sheet in &sheets {
        let Some((header, rows)) = sheet.rows.split_first() else {
            continue;
        };
        let in_sheet = sheet
            .name
            .as_ref()
            .map(|name| format!("sheet {name}, "))
            .unwrap_or_default();
        let place = match &sheet.name {
            Some(name) if several => format!("{file_name}, {name}"),
            _ => file_name.to_owned(),
        };
        let layout = Layout::new(header, context.options.mapping.as_ref())
            .map_err(|reason| ReadError::malformed(format, format!("{in_sheet}{reason}")))?;
        for (index, row) in rows.iter().enumerate() {
            if (index as u64).is_multiple_of(ROWS_PER_DEADLINE_CHECK) {
                context.deadline.check()?;
            }
            let record = layout.record(row, &place);
            record.validate().map_err(|invalid| {
                ReadError::malformed(format, format!("{in_sheet}row {}: {invalid}", row.number))
            })?;
            records.push(Extracted {
                record,
                attachments: Vec::new(),
            });
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;
    use crate::archive::tests::zip_of;
    use crate::{Limits, Options};

    fn options(mapping: Option<ColumnMapping>, limits: Limits) -> Options {
        Options { limits, mapping }
    }

    fn read_with(name: &str, bytes: &[u8], options: &Options) -> Result<Vec<NewRecord>, ReadError> {
        let file = File {
            name: name.to_owned(),
            media_type: String::new(),
            bytes: bytes.to_vec(),
        };
        let extracted = crate::read(&file, options)?;
        assert!(extracted.iter().all(|one| one.attachments.is_empty()));
        Ok(extracted.into_iter().map(|one| one.record).collect())
    }

    fn read(name: &str, bytes: &[u8]) -> Vec<NewRecord> {
        read_with(name, bytes, &Options::default()).unwrap()
    }

    fn field<'a>(record: &'a NewRecord, name: &str) -> Option<&'a FieldValue> {
        record
            .fields
            .get(&FieldName::new(name).unwrap())
            .map(|field| &field.value)
    }

    fn text(value: &str) -> Option<&FieldValue> {
        Some(Box::leak(Box::new(FieldValue::Text(value.to_owned()))))
    }

    fn limits(max_rows: u64, max_expanded_bytes: u64) -> Limits {
        Limits {
            max_rows,
            max_expanded_bytes,
            ..Limits::default()
        }
    }

    #[test]
    fn csv_columns_fill_the_roles_their_headers_suggest() {
        let csv = "Subject,Incident Date,City,Lat,Lon,Details,Victims,Case ID\n\
                   Van at the border,2024-05-01T13:20:00+02:00,Houston,29.76,-95.37,\"Two men, one van\",3,00417\n";
        let [record] = read("reports.csv", csv.as_bytes()).try_into().unwrap();
        record.validate().unwrap();
        assert_eq!(record.title, "Van at the border");
        assert_eq!(record.narrative, "Two men, one van");
        assert_eq!(record.kind, Kind::Report);
        assert_eq!(record.source, Some(Source::unjudged(Channel::Import)));
        assert_eq!(
            record.created,
            Some("2024-05-01T11:20:00Z".parse().unwrap())
        );
        assert_eq!(
            field(&record, "date"),
            Some(&FieldValue::Date(jiff::civil::date(2024, 5, 1)))
        );
        assert_eq!(field(&record, "place"), text("Houston"));
        assert_eq!(
            field(&record, "location"),
            Some(&FieldValue::Location(Location {
                lat: 29.76,
                lon: -95.37,
                place: Some("Houston".into())
            }))
        );
        assert_eq!(field(&record, "victims"), Some(&FieldValue::Number(3.0)));
        // A leading zero marks an identifier, which stays text.
        assert_eq!(field(&record, "case_id"), text("00417"));
        assert_eq!(record.fields.len(), 5, "{:?}", record.fields);
    }

    #[test]
    fn without_title_and_narrative_columns_the_row_speaks_for_itself() {
        let csv = "Name;Age;Note\r\n\r\nAna;31;\"met;\nat 9\"\r\n;;\nBo;;x\n";
        let records = read("people.csv", csv.as_bytes());
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].title, "people.csv row 3");
        assert_eq!(records[0].narrative, "Name: Ana\nAge: 31\nNote: met;\nat 9");
        // Row 4 is empty; the line break in Ana's note is not a row.
        assert_eq!(records[1].title, "people.csv row 5");
        assert_eq!(records[1].narrative, "Name: Bo\nNote: x");
        assert_eq!(field(&records[0], "age"), Some(&FieldValue::Number(31.0)));
        // `Note` is not `notes`, so it is an ordinary column.
        assert_eq!(field(&records[1], "note"), text("x"));
    }

    #[test]
    fn tabs_and_encodings_are_recognised() {
        let records = read("a.tsv", b"Title\tCount\nOne\t2\n");
        assert_eq!(records[0].title, "One");
        let records = read("a.csv", b"Title\tCount\nOne\t2\n");
        assert_eq!(field(&records[0], "count"), Some(&FieldValue::Number(2.0)));
        let records = read("a.csv", b"Title,Ort\nCaf\xe9,K\xf6ln\n");
        assert_eq!(records[0].title, "Café");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Title,x\nHé,1\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(read("a.csv", &utf16)[0].title, "Hé");
        assert_eq!(
            read("a.csv", "\u{FEFF}Title\nOne\n".as_bytes())[0].title,
            "One"
        );
    }

    #[test]
    fn dates_are_read_conservatively() {
        let moment = |text: &str| {
            moment_of_text(text).map(|(date, instant)| (date.to_string(), instant.to_string()))
        };
        let pair = |date: &str, instant: &str| Some((date.to_owned(), instant.to_owned()));
        assert_eq!(
            moment("2024-05-01"),
            pair("2024-05-01", "2024-05-01T00:00:00Z")
        );
        assert_eq!(
            moment(" 2024/05/01 "),
            pair("2024-05-01", "2024-05-01T00:00:00Z")
        );
        assert_eq!(
            moment("2024-05-01 13:20"),
            pair("2024-05-01", "2024-05-01T13:20:00Z")
        );
        assert_eq!(
            moment("2024-05-01T01:00:00+02:00"),
            pair("2024-05-01", "2024-04-30T23:00:00Z")
        );
        assert_eq!(
            moment("2024-05-01T13:20:00Z"),
            pair("2024-05-01", "2024-05-01T13:20:00Z")
        );
        for not_a_date in [
            "01/05/2024",
            "2024-02-30",
            "yesterday",
            "2024",
            "",
            "20240501",
        ] {
            assert_eq!(moment(not_a_date), None, "{not_a_date}");
        }
        // A date that is not one stays text under its header; so do bad coordinates.
        let csv = "Title,Date,Lat,Lon\nA,01/05/2024,95,10\n";
        let [record] = read("a.csv", csv.as_bytes()).try_into().unwrap();
        assert_eq!(record.created, None);
        assert_eq!(field(&record, "date"), None);
        assert_eq!(field(&record, "date_2"), text("01/05/2024"));
        assert_eq!(field(&record, "location"), None);
        assert_eq!(field(&record, "lat"), Some(&FieldValue::Number(95.0)));
    }

    #[test]
    fn a_mapping_names_the_columns() {
        let mapping: ColumnMapping =
            serde_json::from_str(r#"{"title": "WHAT", "narrative": "what", "date": " Seen "}"#)
                .unwrap();
        let csv = "What,Seen,Date,Title\nVan,2024-05-01,2023-01-01,ignored\n";
        let [record] = read_with(
            "a.csv",
            csv.as_bytes(),
            &options(Some(mapping), Limits::default()),
        )
        .unwrap()
        .try_into()
        .unwrap();
        assert_eq!(record.title, "Van");
        assert_eq!(record.narrative, "Van");
        assert_eq!(
            field(&record, "date"),
            Some(&FieldValue::Date(jiff::civil::date(2024, 5, 1)))
        );
        // The header `Date` makes no `date` field of its own: the role has that name.
        assert_eq!(field(&record, "date_2"), text("2023-01-01"));
        assert_eq!(field(&record, "title"), text("ignored"));

        let mapping = ColumnMapping {
            place: Some("Town".into()),
            ..ColumnMapping::default()
        };
        let error = read_with(
            "a.csv",
            csv.as_bytes(),
            &options(Some(mapping), Limits::default()),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot read CSV: the mapping names column `Town`, which the header row lacks (What, Seen, Date, Title)"
        );
        assert!(serde_json::from_str::<ColumnMapping>(r#"{"titel": "x"}"#).is_err());
    }

    #[test]
    fn field_names_follow_the_rule_and_do_not_clash() {
        assert_eq!(field_base("Date Reported (UTC)", 0), "date_reported_utc");
        assert_eq!(field_base("  ", 4), "column_5");
        assert_eq!(field_base("2nd contact", 0), "column_2nd_contact");
        assert_eq!(field_base("Größe", 0), "gr_e");
        let long = field_base(&"Very long header ".repeat(10), 0);
        assert!(FieldName::new(&unique_name(&long, &HashSet::new())).is_ok());
        let csv = "Name,name,,NAME\na,b,c,d\n";
        let [record] = read("a.csv", csv.as_bytes()).try_into().unwrap();
        assert_eq!(field(&record, "name"), text("a"));
        assert_eq!(field(&record, "name_2"), text("b"));
        assert_eq!(field(&record, "column_3"), text("c"));
        assert_eq!(field(&record, "name_3"), text("d"));
        // A cell past the header's last column gets its column's number.
        let [record] = read("a.csv", b"Title\nA,extra\n").try_into().unwrap();
        assert_eq!(field(&record, "column_2"), text("extra"));
        assert_eq!(record.narrative, "Title: A\ncolumn 2: extra");
    }

    #[test]
    fn rows_past_the_limit_refuse_the_file() {
        let csv = "Title\na\nb\n";
        assert_eq!(
            read_with("a.csv", csv.as_bytes(), &options(None, limits(2, 1 << 20)))
                .unwrap()
                .len(),
            2
        );
        let error =
            read_with("a.csv", csv.as_bytes(), &options(None, limits(1, 1 << 20))).unwrap_err();
        assert_eq!(
            error,
            ReadError::Limit("the file has more than 1 rows".into())
        );
    }

    #[test]
    fn a_row_that_makes_a_bad_record_refuses_the_file() {
        let csv = format!("Title,Remark\nA,{}\n", "x".repeat(70 * 1024));
        let error = read_with("a.csv", csv.as_bytes(), &Options::default()).unwrap_err();
        assert!(
            error.to_string().contains("row 2: fields.remark.value"),
            "{error}"
        );
        let long_title = format!("Title\n{}\n", "é".repeat(400));
        let [record] = read("a.csv", long_title.as_bytes()).try_into().unwrap();
        assert_eq!(record.title.len(), 500);
    }

    fn xlsx() -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let moment = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
        let sheet = workbook.add_worksheet().set_name("Incidents").unwrap();
        for (column, header) in ["Summary", "Occurred", "Latitude", "Longitude", "Seen"]
            .iter()
            .enumerate()
        {
            sheet.write_string(1, column as u16, *header).unwrap();
        }
        sheet.write_string(2, 0, "Van at the border").unwrap();
        let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 5, 1).unwrap();
        sheet.write_datetime_with_format(2, 1, &day, &date).unwrap();
        sheet.write_number(2, 2, 12.5).unwrap();
        sheet.write_number(2, 3, -56.25).unwrap();
        let seen = day.clone().and_hms(13, 20, 0).unwrap();
        sheet
            .write_datetime_with_format(2, 4, &seen, &moment)
            .unwrap();
        sheet.write_string(4, 0, "Second").unwrap();
        workbook.add_worksheet().set_name("Empty").unwrap();
        let other = workbook.add_worksheet().set_name("Contacts").unwrap();
        other.write_string(0, 0, "Phone").unwrap();
        other.write_string(1, 0, "+1 555 0142").unwrap();
        workbook.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_rows_of_every_sheet_become_records() {
        let records = read("book.xlsx", &xlsx());
        let titles: Vec<&str> = records.iter().map(|record| record.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Van at the border", "Second", "book.xlsx, Contacts row 2"]
        );
        let first = &records[0];
        first.validate().unwrap();
        assert_eq!(first.created, Some("2024-05-01T00:00:00Z".parse().unwrap()));
        assert_eq!(
            field(first, "location"),
            Some(&FieldValue::Location(Location {
                lat: 12.5,
                lon: -56.25,
                place: None
            }))
        );
        assert_eq!(field(first, "seen"), text("2024-05-01T13:20:00"));
        assert_eq!(
            first.narrative,
            "Summary: Van at the border\nOccurred: 2024-05-01\nLatitude: 12.5\nLongitude: -56.25\nSeen: 2024-05-01T13:20:00"
        );
        assert_eq!(field(&records[2], "phone"), text("+1 555 0142"));

        let error =
            read_with("book.xlsx", &xlsx(), &options(None, limits(2, 1 << 30))).unwrap_err();
        assert!(matches!(error, ReadError::Limit(_)), "{error:?}");
        let mut damaged = xlsx();
        damaged.truncate(damaged.len() / 2);
        assert!(matches!(
            read_with("book.xlsx", &damaged, &Options::default()),
            Err(ReadError::Malformed { .. })
        ));
    }

    fn ods(rows: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Reports">
<table:table-column table:number-columns-repeated="4"/>
<table:table-row>
 <table:table-cell office:value-type="string"><text:p>Title</text:p></table:table-cell>
 <table:table-cell office:value-type="string"><text:p>Date</text:p></table:table-cell>
 <table:table-cell office:value-type="string"><text:p>Notes</text:p></table:table-cell>
 <table:table-cell office:value-type="string"><text:p>Count</text:p></table:table-cell>
</table:table-row>
{rows}
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        zip_of(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", content.as_bytes()),
        ])
    }

    #[test]
    fn ods_rows_are_read_with_their_repeats() {
        let rows = r#"<table:table-row table:number-rows-repeated="2">
 <table:table-cell office:value-type="string"><text:p>Van<text:s text:c="2"/>seen</text:p><office:annotation><text:p>reviewer's note</text:p></office:annotation></table:table-cell>
 <table:table-cell office:value-type="date" office:date-value="2024-05-01"><text:p>01/05/24</text:p></table:table-cell>
 <table:table-cell office:value-type="string"><text:p>line one</text:p><text:p>Tom &amp; Jerry&#x21;</text:p></table:table-cell>
 <table:table-cell office:value-type="float" office:value="3" table:number-columns-repeated="2"><text:p>3</text:p></table:table-cell>
</table:table-row>"#;
        let records = read("sheet.ods", &ods(rows));
        assert_eq!(records.len(), 2);
        let titles: Vec<&str> = records.iter().map(|record| record.title.as_str()).collect();
        assert_eq!(titles, ["Van  seen", "Van  seen"]);
        let record = &records[1];
        record.validate().unwrap();
        assert_eq!(record.narrative, "line one\nTom & Jerry!");
        assert_eq!(
            record.created,
            Some("2024-05-01T00:00:00Z".parse().unwrap())
        );
        assert_eq!(field(record, "count"), Some(&FieldValue::Number(3.0)));
        assert_eq!(field(record, "column_5"), Some(&FieldValue::Number(3.0)));
    }

    #[test]
    fn ods_repeats_are_bounded() {
        let runaway = r#"<table:table-row table:number-rows-repeated="1000000000000"><table:table-cell office:value-type="float" office:value="1"/></table:table-row>"#;
        let error =
            read_with("a.ods", &ods(runaway), &options(None, limits(100, 1 << 20))).unwrap_err();
        assert_eq!(
            error,
            ReadError::Limit("the file has more than 100 rows".into())
        );
        let wide = r#"<table:table-row table:number-rows-repeated="50"><table:table-cell office:value-type="string" office:string-value="xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" table:number-columns-repeated="100000"/></table:table-row>"#;
        let error =
            read_with("a.ods", &ods(wide), &options(None, limits(100, 1 << 20))).unwrap_err();
        assert!(
            matches!(&error, ReadError::Limit(message) if message.contains("repeated rows and cells")),
            "{error:?}"
        );
    }

    /// BIFF8 records: a type, a length, the data.
    fn biff(records: &[(u16, Vec<u8>)]) -> Vec<u8> {
        records
            .iter()
            .flat_map(|(kind, data)| {
                [
                    kind.to_le_bytes().to_vec(),
                    (data.len() as u16).to_le_bytes().to_vec(),
                    data.clone(),
                ]
                .concat()
            })
            .collect()
    }

    fn label(row: u16, column: u16, text: &str) -> (u16, Vec<u8>) {
        let mut data = [row.to_le_bytes(), column.to_le_bytes(), [0, 0]].concat();
        data.extend((text.len() as u16).to_le_bytes());
        data.push(0); // 8-bit characters
        data.extend(text.as_bytes());
        (0x0204, data)
    }

    /// An Excel 97 workbook of one sheet with `cells`, in its compound file.
    fn xls(cells: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let bof = |kind: u16| {
            (
                0x0809,
                [0x0600_u16.to_le_bytes(), kind.to_le_bytes(), [0; 2], [0; 2]].concat(),
            )
        };
        let sheet_name = b"Sheet1";
        let bound_sheet = |position: u32| {
            let mut data = position.to_le_bytes().to_vec();
            data.extend([0, 0, sheet_name.len() as u8, 0]);
            data.extend(sheet_name);
            (0x0085, data)
        };
        let globals = |position| biff(&[bof(0x0005), bound_sheet(position), (0x000A, Vec::new())]);
        let position = globals(0).len() as u32;
        let mut sheet = vec![bof(0x0010)];
        sheet.extend(cells.iter().cloned());
        sheet.push((0x000A, Vec::new()));
        let stream = [globals(position), biff(&sheet)].concat();

        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("/Workbook")
            .unwrap()
            .write_all(&stream)
            .unwrap();
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn xls_sheets_are_read() {
        let bytes = xls(&[
            label(0, 0, "Title"),
            label(0, 1, "City"),
            label(1, 0, "Van"),
            label(1, 1, "Lyon"),
        ]);
        let [record] = read("old.xls", &bytes).try_into().unwrap();
        assert_eq!(record.title, "Van");
        assert_eq!(field(&record, "place"), text("Lyon"));
    }

    #[test]
    fn xls_sheets_spanning_too_many_cells_are_refused_unread() {
        let far_apart = xls(&[label(0, 0, "Title"), label(60_000, 200, "far")]);
        let error =
            read_with("old.xls", &far_apart, &options(None, limits(100, 1 << 20))).unwrap_err();
        assert!(
            matches!(&error, ReadError::Limit(message) if message.contains("span 12060201 cells")),
            "{error:?}"
        );
        // A Dimensions record whose last row comes before its first.
        let dimensions = [5_u32.to_le_bytes(), 1_u32.to_le_bytes()].concat();
        let dimensions = [
            dimensions,
            [0_u16.to_le_bytes(), 2_u16.to_le_bytes(), [0; 2]].concat(),
        ]
        .concat();
        let backwards = xls(&[(0x0200, dimensions), label(0, 0, "Title")]);
        let error = read_with("old.xls", &backwards, &Options::default()).unwrap_err();
        assert!(matches!(error, ReadError::Limit(_)), "{error:?}");
        assert!(matches!(
            read_with(
                "old.xls",
                b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 not really",
                &Options::default()
            ),
            Err(ReadError::Malformed { .. })
        ));
    }

    fn table(name: &str, bytes: &[u8]) -> Result<Table, ReadError> {
        crate::read_table(name, bytes, &Limits::default())
    }

    fn rows(table: &Table) -> Vec<(usize, Vec<String>)> {
        table.rows().collect()
    }

    fn row(number: usize, cells: &[&str]) -> (usize, Vec<String>) {
        (
            number,
            cells.iter().map(|cell| (*cell).to_owned()).collect(),
        )
    }

    #[test]
    fn csv_tables_keep_their_cells_as_written() {
        // A byte order mark, semicolons, decimal commas and a blank line.
        let csv =
            "\u{feff}titre;latitude;longitude\nA;48.85;2.35\n\nB;48,85;2,35\n00417; 12.50 ;\n";
        let read = table("layer.csv", csv.as_bytes()).unwrap();
        assert_eq!(read.header(), ["titre", "latitude", "longitude"]);
        assert_eq!(
            rows(&read),
            [
                row(1, &["A", "48.85", "2.35"]),
                row(3, &["B", "48,85", "2,35"]),
                row(4, &["00417", "12.50"]),
            ]
        );
        // Windows-1252 without a name to go by; tabs in a `.tsv` even where commas agree more.
        let read = table("", b"Name,Lat\nCaf\xe9,1\n").unwrap();
        assert_eq!(rows(&read), [row(1, &["Café", "1"])]);
        let read = table("a.tsv", b"a,b\tc\n1,2\t3\n").unwrap();
        assert_eq!(read.header(), ["a,b", "c"]);
        let read = table("none.csv", b"").unwrap();
        assert!(read.header().is_empty() && read.rows().next().is_none());
    }

    #[test]
    fn separators_are_sniffed() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(sniff_delimiter("a,b\n\"x;y\",2\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("just one column\n"), b',');
    }

    #[test]
    fn a_workbook_table_is_its_first_sheet_with_anything_in_it() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.add_worksheet().set_name("Empty").unwrap();
        let sheet = workbook.add_worksheet();
        for (column, header) in ["Name", "Latitude", "Longitude", "", "Count"]
            .iter()
            .enumerate()
        {
            sheet.write_string(1, column as u16, *header).unwrap();
        }
        sheet.write_string(2, 0, "Numbers").unwrap();
        sheet.write_number(2, 1, 52.23).unwrap();
        sheet.write_number(2, 2, 21.01).unwrap();
        sheet.write_number(2, 4, 3).unwrap();
        sheet.write_string(3, 0, " Text ").unwrap();
        sheet.write_string(3, 1, "-1.29").unwrap();
        let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 5, 1).unwrap();
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_datetime_with_format(5, 3, &day, &date).unwrap();
        let later = workbook.add_worksheet();
        for row in 0..5 {
            later.write_string(row, 0, "not read").unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();

        let read = table("upload.bin", &bytes).unwrap();
        assert_eq!(
            read.header(),
            ["Name", "Latitude", "Longitude", "", "Count"]
        );
        // Rows count from the header's, blank rows included.
        assert_eq!(
            rows(&read),
            [
                row(1, &["Numbers", "52.23", "21.01", "", "3"]),
                row(2, &["Text", "-1.29"]),
                row(4, &["", "", "", "2024-05-01"]),
            ]
        );
        // Only the table's rows count against the limit.
        let limits = Limits {
            max_rows: 3,
            ..Limits::default()
        };
        assert!(crate::read_table("a.xlsx", &bytes, &limits).is_ok());
        let limits = Limits {
            max_rows: 2,
            ..Limits::default()
        };
        assert_eq!(
            crate::read_table("a.xlsx", &bytes, &limits).unwrap_err(),
            ReadError::Limit("the file has more than 2 rows".into())
        );

        let read = table(
            "old.xls",
            &xls(&[label(0, 0, "Title"), label(2, 1, "Lyon")]),
        )
        .unwrap();
        assert_eq!(read.header(), ["Title"]);
        assert_eq!(rows(&read), [row(2, &["", "Lyon"])]);
        let read = table("sheet.ods", &ods("")).unwrap();
        assert_eq!(read.header(), ["Title", "Date", "Notes", "Count"]);
        assert!(read.rows().next().is_none());
    }

    #[test]
    fn what_is_no_table_is_refused() {
        let mut damaged = xlsx();
        damaged.truncate(damaged.len() / 2);
        assert!(matches!(
            table("book.xlsx", &damaged),
            Err(ReadError::Malformed { .. })
        ));
        let not_a_workbook = zip_of(&[("hello.txt", b"hi")]);
        assert!(matches!(
            table("book.xlsx", &not_a_workbook),
            Err(ReadError::Malformed { .. })
        ));
        assert!(matches!(
            table("book.csv", &not_a_workbook),
            Err(ReadError::Unsupported(_))
        ));
        assert!(matches!(
            table("a.csv", b"%PDF-1.7\n"),
            Err(ReadError::Unsupported(_))
        ));
    }
}
