//! The crate's errors.

/// What can go wrong in link analysis.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A picture of the chart was asked for at a size that cannot be drawn: a side of zero pixels,
    /// or more than [`crate::MAX_IMAGE_SIDE`].
    #[error("a chart picture of {width}×{height} pixels cannot be drawn")]
    ImageSize {
        /// The width asked for, in pixels.
        width: u32,
        /// The height the chart's proportions give at that width, in pixels.
        height: u64,
    },
    /// The chart's own SVG was not understood by the renderer.
    #[error("the chart's SVG could not be read for drawing: {0}")]
    Svg(#[from] resvg::usvg::Error),
    /// The drawn chart could not be encoded as PNG.
    #[error("the chart picture could not be encoded as PNG: {0}")]
    Png(#[from] png::EncodingError),
}

/// A result whose error is the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
