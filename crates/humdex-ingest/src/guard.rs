//! Parsing libraries run over hostile files, and some panic on input they did not foresee (or trip
//! their own debug assertions): that means a damaged file, not a reason to crash.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::ReadError;

/// Runs `parse` over a hostile `format` file: a panic is a malformed file.
pub(crate) fn guarded<T>(format: &'static str, parse: impl FnOnce() -> T) -> Result<T, ReadError> {
    catch_unwind(AssertUnwindSafe(parse))
        .map_err(|_| ReadError::malformed(format, "its structure broke the parser"))
}
