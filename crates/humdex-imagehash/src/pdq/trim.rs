//! Finding the uniform borders (frames, letterboxing, a photo pasted on a canvas) that make PDQ
//! miss a copy: a 2 % white border alone moves the hash by 32–88 bits.

/// How far (per channel, of 255) a pixel may be from its border's colour and still count as
/// border: enough for JPEG noise on a flat border (a few levels) and most of the ringing next to
/// the picture, little enough that a row of a real photo is rarely all within it.
pub const BORDER_TOLERANCE: u8 = 24;

/// Trimming that would leave fewer pixels than this on a side leaves the image as it is
/// (it is then nothing but border).
const MIN_TRIMMED_SIDE: usize = 16;

/// A rectangle of an image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crop {
    /// The first column inside.
    pub left: usize,
    /// The first row inside.
    pub top: usize,
    /// Columns inside.
    pub width: usize,
    /// Rows inside.
    pub height: usize,
}

/// The part of a `width`×`height` RGB image (3 bytes a pixel, rows top to bottom) left after
/// removing, at each edge, every line (row or column) whose pixels are all within
/// [`BORDER_TOLERANCE`] of the colour of that edge's outermost line. Edges are trimmed in turn
/// until none changes, so nested frames of different colours all go. The whole image if nothing
/// is trimmed, if the result would be under 16 pixels on a side, or if `rgb` is not
/// `width × height × 3` bytes.
pub fn trim_uniform_borders(width: usize, height: usize, rgb: &[u8]) -> Crop {
    let whole = Crop {
        left: 0,
        top: 0,
        width,
        height,
    };
    if super::check_len(width, height, 3, rgb.len()).is_err() {
        return whole;
    }
    let pixels = rgb.as_chunks::<3>().0;
    let pixel = |x: usize, y: usize| pixels.get(y * width + x).copied().unwrap_or_default();
    let mut crop = whole;
    loop {
        let before = crop;
        for edge in [Edge::Top, Edge::Bottom, Edge::Left, Edge::Right] {
            let trimmed = uniform_lines(&crop, edge, &pixel);
            crop = edge.shrink(crop, trimmed);
        }
        if crop == before {
            break;
        }
    }
    if crop.width < MIN_TRIMMED_SIDE || crop.height < MIN_TRIMMED_SIDE {
        whole
    } else {
        crop
    }
}

#[derive(Clone, Copy)]
enum Edge {
    Top,
    Bottom,
    Left,
    Right,
}

impl Edge {
    /// The pixels of the `depth`-th line inward from this edge of `crop`.
    fn line(self, crop: &Crop, depth: usize) -> impl Iterator<Item = (usize, usize)> {
        let (horizontal, fixed) = match self {
            Self::Top => (true, crop.top + depth),
            Self::Bottom => (true, crop.top + crop.height - 1 - depth),
            Self::Left => (false, crop.left + depth),
            Self::Right => (false, crop.left + crop.width - 1 - depth),
        };
        let along = if horizontal {
            crop.left..crop.left + crop.width
        } else {
            crop.top..crop.top + crop.height
        };
        along.map(move |moving| {
            if horizontal {
                (moving, fixed)
            } else {
                (fixed, moving)
            }
        })
    }

    /// Lines from this edge to the opposite one.
    fn depth(self, crop: &Crop) -> usize {
        match self {
            Self::Top | Self::Bottom => crop.height,
            Self::Left | Self::Right => crop.width,
        }
    }

    fn shrink(self, crop: Crop, lines: usize) -> Crop {
        match self {
            Self::Top => Crop {
                top: crop.top + lines,
                height: crop.height - lines,
                ..crop
            },
            Self::Bottom => Crop {
                height: crop.height - lines,
                ..crop
            },
            Self::Left => Crop {
                left: crop.left + lines,
                width: crop.width - lines,
                ..crop
            },
            Self::Right => Crop {
                width: crop.width - lines,
                ..crop
            },
        }
    }
}

/// How many lines at `edge` of `crop` are border (never all of them).
fn uniform_lines(crop: &Crop, edge: Edge, pixel: &impl Fn(usize, usize) -> [u8; 3]) -> usize {
    let depth = edge.depth(crop);
    if depth <= 1 {
        return 0;
    }
    // The border's colour: the mean of the outermost line.
    let mut total = [0_u64; 3];
    let mut count = 0_u64;
    for (x, y) in edge.line(crop, 0) {
        for (sum, channel) in total.iter_mut().zip(pixel(x, y)) {
            *sum += u64::from(channel);
        }
        count += 1;
    }
    let colour = total.map(|sum| i32::try_from((sum + count / 2) / count.max(1)).unwrap_or(0));
    let near = |[r, g, b]: [u8; 3]| {
        [r, g, b].iter().zip(colour).all(|(&channel, mean)| {
            (i32::from(channel) - mean).unsigned_abs() <= u32::from(BORDER_TOLERANCE)
        })
    };
    (0..depth - 1)
        .take_while(|&line| edge.line(crop, line).all(|(x, y)| near(pixel(x, y))))
        .count()
}
