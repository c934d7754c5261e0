//! Media checks and preparation, so that files pass review the first time: format from the
//! content, EXIF orientation, the upstream size and aspect limits, downscaling and re-encoding
//! under 20 MB with no metadata, thumbnails, duplicate detection, safe names, and URL probing.
//!
//! Everything here is CPU work on bytes (call it on a blocking pool) except [`url`], which
//! fetches the studio's own URLs (never the APIMart API).

pub mod fix;
pub mod heic;
pub mod jpeg;
pub mod pdf;
pub mod presend;
pub mod run;
pub mod turn;
pub mod url;
pub mod video;

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use sha2::{Digest, Sha256};

use crate::api::MAX_UPLOAD_BYTES;
use crate::text::Msg;

/// The upstream's limits and our preparation targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Shortest side accepted upstream, in pixels.
    pub min_side: u32,
    /// Longest side accepted upstream.
    pub max_side: u32,
    /// Narrowest width/height ratio accepted.
    pub min_aspect: f64,
    /// Widest width/height ratio accepted.
    pub max_aspect: f64,
    /// The longest side of the prepared copy.
    pub target_long_side: u32,
    /// The largest prepared copy.
    pub max_bytes: usize,
    /// Images with more pixels than this are not decoded (decompression bombs).
    pub max_pixels: u64,
    /// JPEG quality of the prepared copy (lowered only if the file would be too large).
    pub jpeg_quality: u8,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            min_side: 300,
            max_side: 6000,
            min_aspect: 0.4,
            max_aspect: 2.5,
            target_long_side: 4096,
            max_bytes: MAX_UPLOAD_BYTES,
            max_pixels: 120_000_000,
            jpeg_quality: 92,
        }
    }
}

/// Why a file cannot be used. Each says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    /// Zero bytes.
    #[error("the file is empty")]
    Empty,
    /// Not an image the app knows.
    #[error("not an image (JPEG, PNG, WebP or GIF)")]
    NotAnImage,
    /// HEIC/HEIF (iPhone default) cannot be decoded here.
    #[error("HEIC/HEIF photo")]
    Heic,
    /// The data stops early.
    #[error("the image is cut off")]
    Truncated,
    /// The data is damaged.
    #[error("the image is damaged: {0}")]
    Corrupt(String),
    /// Too many pixels to decode safely.
    #[error("the image claims {width}x{height} pixels")]
    TooManyPixels {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
    },
    /// A side is under the minimum.
    #[error("the image is only {width}x{height} pixels")]
    TooSmall {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Too narrow or too wide.
    #[error("the image is {width}x{height}, too narrow or too wide")]
    BadAspect {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// A side over the upstream maximum, in an image that is not re-encoded here (a URL).
    #[error("the image is {width}x{height}, over 6000 pixels on a side")]
    TooLarge {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Even downscaled it stays over the limit.
    #[error("the image cannot be made smaller than 20 MB")]
    CannotShrink,
    /// The same content is already in the session.
    #[error("the same image as {0}")]
    Duplicate(String),
}

impl Blocked {
    /// What staff should do, in a sentence.
    pub fn advice(&self) -> Msg {
        let sized = |id: &'static str, width: &u32, height: &u32| {
            Msg::new(id).num("width", *width).num("height", *height)
        };
        match self {
            Blocked::Empty => Msg::new("media-empty"),
            Blocked::NotAnImage => Msg::new("media-not-image"),
            Blocked::Heic => Msg::new("media-heic"),
            Blocked::Truncated => Msg::new("media-truncated"),
            Blocked::Corrupt(_) => Msg::new("media-corrupt"),
            Blocked::TooManyPixels { width, height } => {
                sized("media-too-many-pixels", width, height)
            }
            Blocked::TooSmall { width, height } => sized("media-too-small", width, height),
            Blocked::BadAspect { width, height } => sized("media-bad-aspect", width, height),
            Blocked::TooLarge { width, height } => sized("media-too-large", width, height),
            Blocked::CannotShrink => Msg::new("media-cannot-shrink"),
            Blocked::Duplicate(other) => Msg::new("media-duplicate").text("other", other),
        }
    }
}

/// Whole megabytes, rounded, for sentences.
pub fn megabytes(bytes: u64) -> i64 {
    (bytes as f64 / 1_048_576.0).round() as i64
}

/// A small RGBA preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGBA8 pixels, row by row.
    pub rgba: Vec<u8>,
}

/// The longest side of a thumbnail.
pub const THUMBNAIL_SIDE: u32 = 128;

/// A local image made ready for upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The bytes to upload: re-encoded, upright, no metadata.
    pub bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub content_type: &'static str,
    /// File ending for the upload's name.
    pub extension: &'static str,
    /// Prepared size.
    pub width: u32,
    /// Prepared size.
    pub height: u32,
    /// The original's format.
    pub source_format: ImageFormat,
    /// The original's upright size.
    pub source_size: (u32, u32),
    /// Whether it was downscaled.
    pub downscaled: bool,
    /// SHA-256 of the original bytes, hex.
    pub hash: String,
    /// Preview.
    pub thumbnail: Thumbnail,
}

/// SHA-256 of bytes, hex: the duplicate key.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `bytes` are a HEIF container (HEIC, AVIF).
pub fn is_heif(bytes: &[u8]) -> bool {
    bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"mif1" | b"msf1" | b"heim" | b"heis" | b"avif"
        )
}

/// The format, from the content (never the file name).
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, Blocked> {
    if bytes.is_empty() {
        return Err(Blocked::Empty);
    }
    if is_heif(bytes) {
        return Err(Blocked::Heic);
    }
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif)) => {
            Ok(f)
        }
        _ => Err(Blocked::NotAnImage),
    }
}

fn upright(size: (u32, u32), o: image::metadata::Orientation) -> (u32, u32) {
    use image::metadata::Orientation::*;
    match o {
        Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH => (size.1, size.0),
        _ => size,
    }
}

/// Checks the upstream's size and shape limits on an upright size.
pub fn check_size(width: u32, height: u32, limits: &Limits) -> Result<(), Blocked> {
    if width.min(height) < limits.min_side {
        return Err(Blocked::TooSmall { width, height });
    }
    let aspect = f64::from(width) / f64::from(height.max(1));
    if aspect < limits.min_aspect || aspect > limits.max_aspect {
        return Err(Blocked::BadAspect { width, height });
    }
    Ok(())
}

fn decode_error(e: image::ImageError) -> Blocked {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("eof")
        || lower.contains("end of")
        || lower.contains("truncat")
        || lower.contains("unexpected end")
    {
        Blocked::Truncated
    } else {
        Blocked::Corrupt(text)
    }
}

/// Reads, checks and decodes an image as stored, with the orientation that turns it upright.
/// The size limits are checked on the header (upright), before any pixel is decoded.
fn decode_stored(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(DynamicImage, ImageFormat, image::metadata::Orientation), Blocked> {
    let format = sniff(bytes)?;
    if format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        // Decoders fill a cut-off JPEG with grey instead of failing; refuse it here.
        return Err(Blocked::Truncated);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(60_000);
    decoder_limits.max_image_height = Some(60_000);
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(4).saturating_add(64 << 20));
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(Blocked::TooManyPixels {
            width: w,
            height: h,
        });
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let (uw, uh) = upright((w, h), orientation);
    check_size(uw, uh, limits)?;
    let img = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    Ok((img, format, orientation))
}

/// [`decode_stored`], turned upright.
fn decode_checked(bytes: &[u8], limits: &Limits) -> Result<(DynamicImage, ImageFormat), Blocked> {
    let (mut img, format, orientation) = decode_stored(bytes, limits)?;
    img.apply_orientation(orientation);
    Ok((img, format))
}

/// Encodes `img` as it looks after `orientation`: an RGB JPEG through the upright view (no
/// turned copy of the pixels), anything else turned first.
fn encode_upright(
    img: &DynamicImage,
    orientation: image::metadata::Orientation,
    as_png: bool,
    quality: u8,
) -> Result<Vec<u8>, Blocked> {
    use image::metadata::Orientation;
    match (img, orientation, as_png) {
        (_, Orientation::NoTransforms, _) => encode(img, as_png, quality),
        (DynamicImage::ImageRgb8(rgb), _, false) => {
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&turn::Turned::new(rgb, orientation))
                .map_err(|e| Blocked::Corrupt(format!("could not encode: {e}")))?;
            Ok(out)
        }
        _ => {
            let mut turned = img.clone();
            turned.apply_orientation(orientation);
            encode(&turned, as_png, quality)
        }
    }
}

/// Whether a JPEG ends with its end-of-image marker (trailing padding allowed).
fn jpeg_has_end(bytes: &[u8]) -> bool {
    let trimmed = bytes
        .iter()
        .rposition(|b| *b != 0x00 && *b != 0xFF && *b != b'\n' && *b != b'\r')
        .map_or(bytes, |i| &bytes[..=i]);
    let tail = &trimmed[trimmed.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// A preview of a decoded image.
pub fn thumbnail_of(img: &DynamicImage) -> Thumbnail {
    let t = img.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE).to_rgba8();
    Thumbnail {
        width: t.width(),
        height: t.height(),
        rgba: t.into_raw(),
    }
}

/// Just the preview (decodes the whole image; use [`prepare_image`] when both are needed).
pub fn thumbnail(bytes: &[u8], limits: &Limits) -> Result<Thumbnail, Blocked> {
    decode_checked(bytes, limits).map(|(img, _)| thumbnail_of(&img))
}

fn encode(img: &DynamicImage, as_png: bool, quality: u8) -> Result<Vec<u8>, Blocked> {
    let mut out = Vec::new();
    let result = if as_png {
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
    } else {
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
        // An RGB image is encoded as it is: no second copy of its pixels.
        match img {
            DynamicImage::ImageRgb8(_) => img.write_with_encoder(enc),
            _ => flatten(img).write_with_encoder(enc),
        }
    };
    result.map_err(|e| Blocked::Corrupt(format!("could not encode: {e}")))?;
    Ok(out)
}

/// RGB on white: JPEG has no transparency.
fn flatten(img: &DynamicImage) -> DynamicImage {
    if !img.color().has_alpha() {
        return DynamicImage::ImageRgb8(img.to_rgb8());
    }
    let rgba = img.to_rgba8();
    let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(src[3]);
        for c in 0..3 {
            dst[c] = ((u16::from(src[c]) * a + 255 * (255 - a)) / 255) as u8;
        }
    }
    DynamicImage::ImageRgb8(rgb)
}

/// `img` fitted within `long_side` on its longer side, keeping its shape.
fn downscale(img: &DynamicImage, long_side: u32) -> Result<DynamicImage, Blocked> {
    let (w, h) = (img.width(), img.height());
    let scale = f64::from(long_side) / f64::from(w.max(h));
    let (nw, nh) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    resize_to(img, nw, nh)
}

/// A Catmull-Rom resize in the image's own 8-bit pixels (fast_image_resize): the image crate's
/// resize keeps a float copy of the whole picture, several times its size.
fn resize_to(img: &DynamicImage, width: u32, height: u32) -> Result<DynamicImage, Blocked> {
    use fast_image_resize::{FilterType as Filter, ResizeAlg, ResizeOptions, Resizer};
    // 8-bit RGB or RGBA; anything else (16-bit, grey with alpha) is brought to those first.
    let source = match img {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) | DynamicImage::ImageLuma8(_) => {
            std::borrow::Cow::Borrowed(img)
        }
        other if other.color().has_alpha() => {
            std::borrow::Cow::Owned(DynamicImage::ImageRgba8(other.to_rgba8()))
        }
        other => std::borrow::Cow::Owned(DynamicImage::ImageRgb8(other.to_rgb8())),
    };
    let mut out = DynamicImage::new(width, height, source.color());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(Filter::CatmullRom));
    Resizer::new()
        .resize(source.as_ref(), &mut out, &options)
        .map_err(|e| Blocked::Corrupt(format!("could not resize: {e}")))?;
    Ok(out)
}

/// Prepares a local image for upload. See the module documentation for the rules.
pub fn prepare_image(bytes: &[u8], limits: &Limits) -> Result<Prepared, Blocked> {
    prepare_image_with(bytes, limits, |_| {})
}

/// [`prepare_image`], handing the thumbnail to `on_thumbnail` as soon as it exists.
pub fn prepare_image_with(
    bytes: &[u8],
    limits: &Limits,
    on_thumbnail: impl FnOnce(&Thumbnail),
) -> Result<Prepared, Blocked> {
    let hash = content_hash(bytes);
    // Decoded as stored: turning a photo upright happens while it is encoded, not as a copy.
    let (mut img, format, orientation) = decode_stored(bytes, limits)?;
    let thumbnail = {
        let mut small =
            DynamicImage::ImageRgba8(img.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE).to_rgba8());
        small.apply_orientation(orientation);
        thumbnail_of(&small)
    };
    on_thumbnail(&thumbnail);
    let source_size = upright((img.width(), img.height()), orientation);
    let mut downscaled = false;
    let long = img.width().max(img.height());
    if long > limits.target_long_side {
        img = downscale(&img, limits.target_long_side)?;
        downscaled = true;
    }
    // Transparent images stay PNG; everything else becomes a metadata-free JPEG.
    let keep_png = img.color().has_alpha() && format != ImageFormat::Jpeg;
    let mut bytes_out = encode_upright(&img, orientation, keep_png, limits.jpeg_quality)?;
    let mut as_png = keep_png;
    let mut quality = limits.jpeg_quality;
    while bytes_out.len() > limits.max_bytes {
        if as_png {
            as_png = false;
        } else if quality > 80 {
            quality -= 6;
        } else {
            let (w, h) = (img.width() * 3 / 4, img.height() * 3 / 4);
            if w.min(h) < limits.min_side {
                return Err(Blocked::CannotShrink);
            }
            img = resize_to(&img, w, h)?;
            downscaled = true;
        }
        bytes_out = encode_upright(&img, orientation, as_png, quality)?;
    }
    let (width, height) = upright((img.width(), img.height()), orientation);
    Ok(Prepared {
        bytes: bytes_out,
        content_type: if as_png { "image/png" } else { "image/jpeg" },
        extension: if as_png { "png" } else { "jpg" },
        width,
        height,
        source_format: format,
        source_size,
        downscaled,
        hash,
        thumbnail,
    })
}

/// A local file that could not be read for its upload: which, and why.
pub fn unreadable(path: &std::path::Path, e: &std::io::Error) -> crate::text::Msg {
    crate::text::Msg::new("upload-unreadable")
        .text("path", path.display().to_string())
        .text("reason", e.to_string())
}

/// A local file that is a video by its ending.
pub fn is_video_path(path: &std::path::Path) -> bool {
    kind_from_ending(&path.to_string_lossy().to_lowercase()) == Some(crate::api::AssetKind::Video)
}

/// The endings of photos: the one list the pickers, the folder browser and a row's kind use.
/// HEIC/HEIF is a photo too (the iPhone's), said as such when it cannot be sent.
pub const IMAGE_ENDINGS: &[&str] = &["jpg", "jpeg", "png", "webp", "gif", "heic", "heif"];
/// The endings of videos.
pub const VIDEO_ENDINGS: &[&str] = &["mp4", "mov", "m4v"];

/// Image or video from a file name or URL path ending ([`IMAGE_ENDINGS`],
/// [`VIDEO_ENDINGS`], any case); `None` for anything else.
pub fn kind_from_ending(path: &str) -> Option<crate::api::AssetKind> {
    use crate::api::AssetKind;
    let ending = path.rsplit_once('.')?.1.to_ascii_lowercase();
    if VIDEO_ENDINGS.contains(&ending.as_str()) {
        Some(AssetKind::Video)
    } else if IMAGE_ENDINGS.contains(&ending.as_str()) {
        Some(AssetKind::Image)
    } else {
        None
    }
}

/// A safe asset name from a file name or URL path: letters (any script), digits, `-` and `_`,
/// at most 64 characters; `asset` when nothing is left.
pub fn safe_name(raw: &str) -> String {
    let stem = std::path::Path::new(raw)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut collapsed = String::new();
    for c in cleaned.chars() {
        if c == '-' && collapsed.ends_with('-') {
            continue;
        }
        collapsed.push(c);
    }
    let name: String = collapsed.trim_matches('-').chars().take(64).collect();
    if name.is_empty() {
        "asset".into()
    } else {
        name
    }
}

/// The whole file's length from an answer: the total of a `Content-Range` (a ranged answer),
/// else its `Content-Length`.
pub(super) fn total_length(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    text(reqwest::header::CONTENT_RANGE)
        .and_then(|v| v.rsplit('/').next())
        .and_then(|n| n.parse().ok())
        .or_else(|| text(reqwest::header::CONTENT_LENGTH).and_then(|n| n.parse().ok()))
}

#[cfg(test)]
mod tests;
