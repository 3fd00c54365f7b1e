//! Tables: a header row then a feature per row, as a table reader has read them from a CSV file or a workbook.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::{
    LayerColumns, LayerFeature, LayerRead, Placer, Roles, Unplaced, header_list, parse_degrees,
};
use crate::error::{Error, Result};

/// Places the rows of a table with `header`; see [`place_rows`](super::place_rows).
pub(super) fn place_rows(
    header: &[String],
    rows: impl IntoIterator<Item = (usize, Vec<String>)>,
    columns: &LayerColumns,
    placer: &mut Placer<'_>,
) -> Result<LayerRead> {
    let layout = Layout::new(header, columns)?;
    let mut read = LayerRead::default();
    for (number, cells) in rows {
        layout.place(number, &cells, placer, &mut read);
    }
    Ok(read)
}

/// A cell's text, trimmed, unless it is empty.
fn text(cell: &str) -> Option<&str> {
    let text = cell.trim();
    (!text.is_empty()).then_some(text)
}

/// What a table's header says: the property name of each column, and which columns play which role.
struct Layout {
    /// Property names by column: the header's, made unique.
    keys: Vec<String>,
    roles: Roles,
}

impl Layout {
    fn new(header: &[String], columns: &LayerColumns) -> Result<Self> {
        let mut keys: Vec<String> = Vec::with_capacity(header.len());
        // Std's hashing: headers come from the file, and a hostile one could collide a fixed hash's keys.
        let mut taken: HashSet<String> = HashSet::new();
        // The last copy number given to each repeated header, so a header of thousands of repeats stays linear.
        let mut copies: HashMap<String, usize> = HashMap::new();
        for (column, cell) in header.iter().enumerate() {
            let base = text(cell).map_or_else(|| format!("column {}", column + 1), str::to_owned);
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
        Ok(Self { keys, roles })
    }

    /// Places data row `number` into `read`. Rows with no value at all are skipped.
    fn place(
        &self,
        number: usize,
        cells: &[String],
        placer: &mut Placer<'_>,
        read: &mut LayerRead,
    ) {
        if cells.iter().all(|cell| text(cell).is_none()) {
            return;
        }
        let cell = |column: Option<usize>| {
            column
                .and_then(|c| cells.get(c))
                .and_then(|cell| text(cell))
        };
        let latitude = cell(self.roles.latitude).map(|lat| parse_degrees(lat, "latitude", 90.0));
        let longitude =
            cell(self.roles.longitude).map(|lon| parse_degrees(lon, "longitude", 180.0));
        let placed = match (latitude, longitude) {
            (Some(lat), Some(lon)) => lat.and_then(|lat| Ok((lat, lon?, None))),
            (Some(_), None) => Err("a latitude but no longitude".to_owned()),
            (None, Some(_)) => Err("a longitude but no latitude".to_owned()),
            (None, None) => placer
                .place(cell(self.roles.place), cell(self.roles.address))
                .map(|(place, label)| (place.lat, place.lon, Some(label))),
        };
        match placed {
            Ok((lat, lon, geocoded)) => {
                let name = [self.roles.name, self.roles.place, self.roles.address]
                    .into_iter()
                    .find_map(cell)
                    .unwrap_or_default()
                    .to_owned();
                let properties: Map<String, Value> = cells
                    .iter()
                    .enumerate()
                    .filter_map(|(column, cell)| {
                        let key = self
                            .keys
                            .get(column)
                            .cloned()
                            .unwrap_or_else(|| format!("column {}", column + 1));
                        Some((key, Value::String(text(cell)?.to_owned())))
                    })
                    .collect();
                read.features.push(LayerFeature {
                    name,
                    lat,
                    lon,
                    geometry: None,
                    properties,
                    geocoded,
                });
            }
            Err(reason) => read.unplaced.push(Unplaced {
                row: number,
                reason: format!("row {number}: {reason}"),
            }),
        }
    }
}
