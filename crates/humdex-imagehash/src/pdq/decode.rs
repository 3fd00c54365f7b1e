//! Decoding an image file and fingerprinting it as HMA does, with and without its borders.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use super::{
    Crop, Fingerprint, ImageError, Luma, Resize, RgbRows, fingerprint_source, trim_uniform_borders,
};

/// The fingerprints of an image file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageFingerprints {
    /// Of the whole image.
    pub full: Fingerprint,
    /// Of the image without its uniform borders ([`trim_uniform_borders`]), when it has such
    /// borders and removing them changes the hash. Store it beside `full`: copies of a picture
    /// framed differently match through it.
    pub trimmed: Option<Fingerprint>,
}

/// Bytes a decoder may allocate per pixel: 4 channels of 32-bit floats (TIFF), the widest
/// format decoded.
const MAX_BYTES_PER_PIXEL: u64 = 16;

/// Decodes a JPEG, PNG, WebP, GIF (its first frame), TIFF or BMP file, turns it upright by its
/// EXIF orientation (JPEG, PNG, WebP and TIFF carry one), and fingerprints it at full resolution
/// with float64 luma ([`Resize::Full`], [`Luma::Float64`]): on the same pixels the hashes are
/// those of PyPI `pdqhash`, and so of HMA. Transparency is ignored, as in the reference.
///
/// # Errors
/// [`ImageError::UnknownFormat`] for bytes of no supported format; [`ImageError::TooLarge`],
/// before any pixel is decoded, if the image has more than `max_pixels` pixels;
/// [`ImageError::Decode`] if the decoder fails.
pub fn fingerprint_image(bytes: &[u8], max_pixels: u64) -> Result<ImageFingerprints, ImageError> {
    let image = decode(bytes, max_pixels)?.into_rgb8();
    let (width, height) = (image.width() as usize, image.height() as usize);
    let rgb = image.as_raw();
    let whole = Crop {
        left: 0,
        top: 0,
        width,
        height,
    };
    let fingerprint = |crop: Crop| {
        let rows = RgbRows {
            rgb,
            stride: width * 3,
            left: crop.left,
            top: crop.top,
            width: crop.width,
            height: crop.height,
            luma: Luma::Float64,
        };
        fingerprint_source(&rows, Resize::Full)
    };
    let full = fingerprint(whole);
    let crop = trim_uniform_borders(width, height, rgb);
    let trimmed = (crop != whole)
        .then(|| fingerprint(crop))
        .filter(|trimmed| trimmed.hash != full.hash);
    Ok(ImageFingerprints { full, trimmed })
}

fn decode(bytes: &[u8], max_pixels: u64) -> Result<DynamicImage, ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ImageError::Decode(error.into()))?;
    if reader.format().is_none() {
        return Err(ImageError::UnknownFormat);
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(MAX_BYTES_PER_PIXEL));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(ImageError::Decode)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ImageError::TooLarge {
            width,
            height,
            max_pixels,
        });
    }
    let orientation = decoder.orientation().map_err(ImageError::Decode)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(ImageError::Decode)?;
    image.apply_orientation(orientation);
    Ok(image)
}
