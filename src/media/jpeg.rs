//! JPEG without decoding: the segment layout, the header's size and EXIF orientation, a
//! lossless copy without metadata, and a preview decoded at 1/8 scale in the DCT domain.
//!
//! A phone photo that already meets the upstream's limits is sent as its own compressed pixels:
//! only the metadata segments (EXIF with GPS, XMP, IPTC, comments, trailers after the end of the
//! image) are left out, so no quality is lost and no full decode is spent.

use image::metadata::Orientation;

use super::{Blocked, THUMBNAIL_SIDE, Thumbnail};

/// What the headers of a JPEG say, read without decoding a pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Stored width (before orientation).
    pub width: u32,
    /// Stored height (before orientation).
    pub height: u32,
    /// The EXIF orientation (`NoTransforms` when there is none).
    pub orientation: Orientation,
}

/// APPn and COM segments kept in the lossless copy: JFIF (APP0), the ICC colour profile (APP2
/// `ICC_PROFILE`) and Adobe's colour transform flag (APP14), which decoders need to show the
/// same colours. Everything else of these kinds is metadata.
fn keep_segment(marker: u8, body: &[u8]) -> bool {
    match marker {
        0xE0 => body.starts_with(b"JFIF\0") || body.starts_with(b"JFXX\0"),
        0xE2 => body.starts_with(b"ICC_PROFILE\0"),
        0xEE => body.starts_with(b"Adobe"),
        0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
        _ => true,
    }
}

fn corrupt(what: &str) -> Blocked {
    Blocked::Corrupt(format!("JPEG structure: {what}"))
}

/// One marker segment: its marker byte and its body (after the length field).
struct Segment<'a> {
    marker: u8,
    /// The whole segment as stored, marker and length included.
    raw: &'a [u8],
    body: &'a [u8],
}

/// Reads the length-prefixed segment whose marker starts at `at`.
fn segment(bytes: &[u8], at: usize) -> Result<Segment<'_>, Blocked> {
    let marker = *bytes.get(at + 1).ok_or(Blocked::Truncated)?;
    let len_bytes = bytes.get(at + 2..at + 4).ok_or(Blocked::Truncated)?;
    let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
    if len < 2 {
        return Err(corrupt("a segment length under 2"));
    }
    let end = at + 2 + len;
    let raw = bytes.get(at..end).ok_or(Blocked::Truncated)?;
    Ok(Segment {
        marker,
        raw,
        body: &raw[4..],
    })
}

/// Where the entropy-coded data that starts at `from` ends: the offset of the next marker that
/// is not a restart marker or a stuffed `FF 00`.
fn entropy_end(bytes: &[u8], from: usize) -> Result<usize, Blocked> {
    let mut i = from;
    while i + 1 < bytes.len() {
        if bytes[i] == 0xFF {
            match bytes[i + 1] {
                0x00 | 0xD0..=0xD7 => i += 2,
                0xFF => i += 1,
                _ => return Ok(i),
            }
        } else {
            i += 1;
        }
    }
    Err(Blocked::Truncated)
}

/// Walks a JPEG's segments from SOI to EOI, handing each to `visit` as `(marker, raw, body)`;
/// entropy-coded data after each SOS is handed as marker `0` with an empty body. Bytes after
/// EOI are never visited.
fn walk<'a>(bytes: &'a [u8], mut visit: impl FnMut(u8, &'a [u8], &'a [u8])) -> Result<(), Blocked> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(Blocked::NotAnImage);
    }
    visit(0xD8, &bytes[..2], &[]);
    let mut at = 2;
    loop {
        // Fill bytes (FF FF ...) may pad before a marker.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if bytes.get(at) != Some(&0xFF) {
            return Err(if at >= bytes.len() {
                Blocked::Truncated
            } else {
                corrupt("a marker was expected")
            });
        }
        let marker = *bytes.get(at + 1).ok_or(Blocked::Truncated)?;
        match marker {
            0xD9 => {
                visit(0xD9, &bytes[at..at + 2], &[]);
                return Ok(());
            }
            0x01 | 0xD0..=0xD7 => {
                visit(marker, &bytes[at..at + 2], &[]);
                at += 2;
            }
            _ => {
                let seg = segment(bytes, at)?;
                at += seg.raw.len();
                visit(seg.marker, seg.raw, seg.body);
                if seg.marker == 0xDA {
                    let end = entropy_end(bytes, at)?;
                    visit(0, &bytes[at..end], &[]);
                    at = end;
                }
            }
        }
    }
}

/// The size and orientation from the headers alone. The whole segment structure is walked, so
/// a file cut off before its end-of-image marker is caught here.
pub fn header(bytes: &[u8]) -> Result<Header, Blocked> {
    let mut size = None;
    let mut orientation = Orientation::NoTransforms;
    walk(bytes, |marker, _, body| match marker {
        // SOF0-15 except DHT (C4), JPG (C8) and DAC (CC); the first frame counts.
        0xC0..=0xCF
            if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && size.is_none() && body.len() >= 5 =>
        {
            let height = u32::from(u16::from_be_bytes([body[1], body[2]]));
            let width = u32::from(u16::from_be_bytes([body[3], body[4]]));
            size = Some((width, height));
        }
        0xE1 if body.starts_with(b"Exif\0\0") => {
            if let Some(o) = Orientation::from_exif_chunk(&body[6..]) {
                orientation = o;
            }
        }
        _ => {}
    })?;
    let (width, height) = size.ok_or_else(|| corrupt("no frame header"))?;
    if width == 0 || height == 0 {
        return Err(corrupt("a frame of zero pixels"));
    }
    Ok(Header {
        width,
        height,
        orientation,
    })
}

/// The same JPEG without metadata: every segment that describes pixels is copied byte for byte,
/// in order; EXIF, XMP, IPTC, comments, other application segments and anything after the end
/// of the image are left out.
pub fn strip_metadata(bytes: &[u8]) -> Result<Vec<u8>, Blocked> {
    let mut out = Vec::with_capacity(bytes.len());
    strip_metadata_to(bytes, &mut out)?;
    Ok(out)
}

/// [`strip_metadata`], written to `out` as it goes (no second copy in memory).
pub fn strip_metadata_to(bytes: &[u8], out: &mut dyn std::io::Write) -> Result<(), Blocked> {
    let mut failed = None;
    walk(bytes, |marker, raw, body| {
        if failed.is_none()
            && (marker == 0 || keep_segment(marker, body))
            && let Err(e) = out.write_all(raw)
        {
            failed = Some(e);
        }
    })?;
    match failed {
        Some(e) => Err(Blocked::Corrupt(format!("could not write: {e}"))),
        None => Ok(()),
    }
}

/// A preview decoded at the smallest DCT scale (1/8, 1/4, 1/2) that still covers the thumbnail,
/// turned upright. Costs a fraction of a full decode in time and memory.
pub fn thumbnail(bytes: &[u8], orientation: Orientation) -> Result<Thumbnail, Blocked> {
    let mut decoder = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
    let side = u16::try_from(THUMBNAIL_SIDE).unwrap_or(u16::MAX);
    decoder
        .scale(side, side)
        .map_err(|e| Blocked::Corrupt(e.to_string()))?;
    let pixels = decoder.decode().map_err(|e| match e {
        jpeg_decoder::Error::Io(_) => Blocked::Truncated,
        other => Blocked::Corrupt(other.to_string()),
    })?;
    let info = decoder
        .info()
        .ok_or_else(|| corrupt("no image information"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let img: image::DynamicImage = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            image::RgbImage::from_raw(w, h, pixels).map(image::DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L8 => {
            image::GrayImage::from_raw(w, h, pixels).map(image::DynamicImage::ImageLuma8)
        }
        jpeg_decoder::PixelFormat::L16 => {
            let wide: Vec<u16> = pixels
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            image::ImageBuffer::from_raw(w, h, wide).map(image::DynamicImage::ImageLuma16)
        }
        jpeg_decoder::PixelFormat::CMYK32 => {
            let rgb: Vec<u8> = pixels
                .chunks_exact(4)
                .flat_map(|c| {
                    let k = u16::from(c[3]);
                    [c[0], c[1], c[2]].map(|v| (u16::from(v) * k / 255) as u8)
                })
                .collect();
            image::RgbImage::from_raw(w, h, rgb).map(image::DynamicImage::ImageRgb8)
        }
    }
    .ok_or_else(|| corrupt("a preview of the wrong size"))?;
    let mut img = img;
    img.apply_orientation(orientation);
    Ok(super::thumbnail_of(&img))
}
