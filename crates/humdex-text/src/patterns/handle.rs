//! handle extractor.

use crate::{Context, Found};

pub(crate) fn find(_text: &str, _context: &Context, _out: &mut Vec<Found>) {}
