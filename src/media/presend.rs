//! The one pre-send path for local images: a file becomes a verdict, a preview and the copy to
//! upload, each file read once and prepared once. The copy and the preview are kept on disk by
//! the original's content hash, so a restart (or the same photo added again) reuses them
//! without decoding anything.
//!
//! Preparation does the cheapest correct thing: a JPEG that already meets the upstream's limits
//! and is upright keeps its compressed pixels byte for byte, with the metadata left out
//! ([`super::jpeg::strip_metadata`]); only what must change (a turned photo, one too large, a
//! non-JPEG) is decoded once and re-encoded.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use image::ImageFormat;
use image::metadata::Orientation;

use super::{Blocked, Limits, Thumbnail, jpeg};
use crate::text::Msg;

/// Files larger than this are not even read: no usable photo is this big.
pub const MAX_READ_BYTES: u64 = 256 * 1024 * 1024;

/// How long a prepared copy is kept: the upload's URL lives 72 hours, after which the copy
/// would be uploaded again anyway.
pub const KEEP_FOR: Duration = Duration::from_secs(72 * 3600);

/// The prepared copy of one image, on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// Where it is.
    pub path: PathBuf,
    /// `image/jpeg` or `image/png`.
    pub content_type: &'static str,
    /// File ending for the upload's name.
    pub extension: &'static str,
    /// Its size.
    pub bytes: u64,
}

/// A local image ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Ready {
    /// SHA-256 of the original, hex: the duplicate key and the cache key.
    pub hash: String,
    /// The preview.
    pub thumbnail: Thumbnail,
    /// The copy to upload.
    pub copy: Copy,
    /// The pixels were kept as they were (only metadata was left out).
    pub lossless: bool,
    /// It came from the cache: nothing was decoded.
    pub cached: bool,
}

/// The folder of prepared copies and previews (`<data>/cache`), files readable by the owner
/// only.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

const COPY_ENDINGS: [(&str, &str); 2] = [("jpg", "image/jpeg"), ("png", "image/png")];

impl Cache {
    /// The cache in `dir` (created when first written).
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn thumb_path(&self, hash: &str) -> PathBuf {
        self.dir.join(format!("{hash}.thumb.png"))
    }

    /// The prepared copy for an original with this hash, when it is kept.
    pub fn copy(&self, hash: &str) -> Option<Copy> {
        if !is_hash(hash) {
            return None;
        }
        COPY_ENDINGS.iter().find_map(|(ext, ct)| {
            let path = self.dir.join(format!("{hash}.{ext}"));
            let meta = std::fs::metadata(&path).ok()?;
            meta.is_file().then_some(Copy {
                path,
                content_type: ct,
                extension: ext,
                bytes: meta.len(),
            })
        })
    }

    /// The copy and preview for this hash, when both are kept (the preview is written last).
    pub fn get(&self, hash: &str) -> Option<(Copy, Thumbnail)> {
        let copy = self.copy(hash)?;
        let png = std::fs::read(self.thumb_path(hash)).ok()?;
        let img = image::load_from_memory_with_format(&png, ImageFormat::Png).ok()?;
        let rgba = img.to_rgba8();
        Some((
            copy,
            Thumbnail {
                width: rgba.width(),
                height: rgba.height(),
                rgba: rgba.into_raw(),
            },
        ))
    }

    /// Keeps a copy and its preview; returns where the copy is.
    fn put(
        &self,
        hash: &str,
        extension: &'static str,
        content_type: &'static str,
        write_copy: impl FnOnce(&mut dyn Write) -> Result<(), Blocked>,
        thumbnail: &Thumbnail,
    ) -> Result<Copy, Msg> {
        let cannot = |e: std::io::Error| {
            Msg::new("media-cache-write")
                .text("dir", self.dir.display().to_string())
                .text("reason", e.to_string())
        };
        // Made private once, when made (the data folder is narrowed at each start): setting a
        // folder's ACL on Windows walks the files in it, some of them open for upload.
        if !self.dir.is_dir() {
            create_private_dir(&self.dir).map_err(cannot)?;
        }
        let path = self.dir.join(format!("{hash}.{extension}"));
        let bytes = write_atomically(&path, |w| {
            write_copy(w).map_err(|b| std::io::Error::other(b.to_string()))
        })
        .map_err(cannot)?;
        let mut png = Vec::new();
        image::RgbaImage::from_raw(thumbnail.width, thumbnail.height, thumbnail.rgba.clone())
            .map(image::DynamicImage::ImageRgba8)
            .ok_or_else(|| cannot(std::io::Error::other("preview of the wrong size")))?
            .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .map_err(|e| cannot(std::io::Error::other(e.to_string())))?;
        write_atomically(&self.thumb_path(hash), |w| w.write_all(&png)).map_err(cannot)?;
        Ok(Copy {
            path,
            content_type,
            extension,
            bytes,
        })
    }

    /// The files kept for these originals (copies and previews) that are there.
    pub fn files(&self, hashes: &[String]) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for hash in hashes.iter().filter(|h| is_hash(h)) {
            for (ext, _) in COPY_ENDINGS {
                files.push(self.dir.join(format!("{hash}.{ext}")));
            }
            files.push(self.thumb_path(hash));
        }
        files.retain(|f| f.is_file());
        files
    }

    /// Forgets what was kept for these originals.
    pub fn remove(&self, hashes: &[String]) {
        for file in self.files(hashes) {
            let _ = std::fs::remove_file(file);
        }
    }

    /// Removes what was kept longer than `age`, and leftovers of interrupted writes. Returns
    /// how many files went.
    pub fn sweep(&self, age: Duration, now: SystemTime) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|d| d > age);
            let partial = entry.file_name().to_string_lossy().ends_with(".part");
            if (old || partial) && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A folder only its owner can enter (the copies are people's photos).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    crate::platform::private::create_dir(dir)
}

/// Writes a file readable by its owner only, through a `.part` file renamed into place, so a
/// crash never leaves a half-written copy under the real name.
fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<u64> {
    // Each write has its own part file: two checks of the same photo may write at once.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut part = path.as_os_str().to_owned();
    part.push(format!(".{}-{n}.part", std::process::id()));
    let part = PathBuf::from(part);
    let file = crate::platform::private::options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&part)?;
    let mut w = std::io::BufWriter::new(file);
    let written = fill(&mut w).and_then(|()| w.flush());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    let file = w.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    let len = file.metadata()?.len();
    // Closed before the rename: Windows does not rename a file that is still open.
    drop(file);
    match std::fs::rename(&part, path) {
        Ok(()) => Ok(len),
        // Windows does not replace a file another handle has open (an upload reading the same
        // copy while a second check of the photo writes it). The copies are named by their
        // content, so the one in place is this one: it stands.
        Err(e) if path.is_file() => {
            tracing::debug!("{} kept as it was: {e}", path.display());
            let _ = std::fs::remove_file(&part);
            Ok(len)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(e)
        }
    }
}

/// Reads a local file once, with the size checked before reading.
fn read_capped(path: &Path) -> Result<Vec<u8>, Msg> {
    let unreadable = |e: std::io::Error| Msg::new("media-unreadable").text("reason", e.to_string());
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(unreadable(std::io::Error::other("not a file")));
    }
    if meta.len() > MAX_READ_BYTES {
        return Err(Msg::new("upload-huge")
            .text("path", path.display().to_string())
            .num("mb", super::megabytes(meta.len())));
    }
    std::fs::read(path).map_err(unreadable)
}

/// Whether a JPEG can go as it is, with only its metadata left out: upright, every limit met.
fn sendable_as_is(h: &jpeg::Header, file_bytes: usize, limits: &Limits) -> Result<bool, Blocked> {
    if u64::from(h.width) * u64::from(h.height) > limits.max_pixels {
        return Err(Blocked::TooManyPixels {
            width: h.width,
            height: h.height,
        });
    }
    let (w, h_) = if matches!(
        h.orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    ) {
        (h.height, h.width)
    } else {
        (h.width, h.height)
    };
    super::check_size(w, h_, limits)?;
    Ok(h.orientation == Orientation::NoTransforms
        && w.max(h_) <= limits.max_side
        && file_bytes <= limits.max_bytes)
}

/// The one pre-send check of a local file: a verdict (`Err` says what to do), and for a usable
/// image its preview and the prepared copy, kept in `cache`.
pub fn check_file(path: &Path, cache: &Cache, limits: &Limits) -> Result<Ready, Msg> {
    if super::is_video_path(path) {
        // Never prepared here: a video goes through the studio's bucket (`fix::check_local`);
        // without one, what is wrong with it is said first, then that it cannot go.
        let hosted = Msg::new("media-local-video");
        return Err(super::fix::verdict(path, Err(hosted.clone()))
            .1
            .err()
            .unwrap_or(hosted));
    }
    let bytes = read_capped(path)?;
    let hash = super::content_hash(&bytes);
    if let Some((copy, thumbnail)) = cache.get(&hash) {
        return Ok(Ready {
            hash,
            thumbnail,
            copy,
            lossless: false,
            cached: true,
        });
    }
    prepare_into(&bytes, hash, cache, limits)
}

/// Prepares an original already read (see [`check_file`]).
pub fn prepare_into(
    bytes: &[u8],
    hash: String,
    cache: &Cache,
    limits: &Limits,
) -> Result<Ready, Msg> {
    if super::is_heif(bytes) {
        // Decoded by the system's tool into an upright PNG, then prepared as any photo (the
        // hash stays the original's: the same HEIC twice is still a duplicate).
        let png = super::heic::to_png(bytes).map_err(|b| b.advice())?;
        return prepare_into(&png, hash, cache, limits);
    }
    let format = super::sniff(bytes).map_err(|b| b.advice())?;
    // A JPEG the strict segment walker cannot follow (stray bytes between segments, which
    // decoders forgive) is left to the full decoder below; only a cut-off one is refused here.
    let header = match format {
        ImageFormat::Jpeg => match jpeg::header(bytes) {
            Err(Blocked::Truncated) => return Err(Blocked::Truncated.advice()),
            Err(_) => None,
            Ok(h) => Some(h),
        },
        _ => None,
    };
    if let Some(header) = header
        && sendable_as_is(&header, bytes.len(), limits).map_err(|b| b.advice())?
        // The preview decode also proves the compressed data is sound.
        && let Ok(thumbnail) = jpeg::thumbnail(bytes, header.orientation)
    {
        let copy = cache.put(
            &hash,
            "jpg",
            "image/jpeg",
            |w| jpeg::strip_metadata_to(bytes, w),
            &thumbnail,
        )?;
        return Ok(Ready {
            hash,
            thumbnail,
            copy,
            lossless: true,
            cached: false,
        });
    }
    let prepared = super::prepare_image(bytes, limits).map_err(|b| b.advice())?;
    let copy = cache.put(
        &hash,
        prepared.extension,
        prepared.content_type,
        |w| {
            w.write_all(&prepared.bytes)
                .map_err(|e| Blocked::Corrupt(e.to_string()))
        },
        &prepared.thumbnail,
    )?;
    Ok(Ready {
        hash,
        thumbnail: prepared.thumbnail,
        copy,
        lossless: false,
        cached: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tests::{jpeg, photo};

    /// `jpeg` with metadata segments after SOI and a trailer after EOI, as phones write them.
    fn with_metadata(clean: &[u8]) -> Vec<u8> {
        let segment = |marker: u8, body: &[u8]| {
            let len = u16::try_from(body.len() + 2).unwrap().to_be_bytes();
            let mut s = vec![0xFF, marker, len[0], len[1]];
            s.extend_from_slice(body);
            s
        };
        let mut out = clean[..2].to_vec();
        out.extend(segment(
            0xE1,
            b"Exif\0\0II*\0\x08\0\0\0\x01\0\x25\x88\x04\0\x01\0\0\0\x1a\0\0\0GPS-37.5N-127.0E",
        ));
        out.extend(segment(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude</x:xmpmeta>",
        ));
        out.extend(segment(0xED, b"Photoshop 3.0\0IPTC-city"));
        out.extend(segment(0xFE, b"comment: taken at home"));
        out.extend_from_slice(&clean[2..]);
        out.extend_from_slice(b"TRAILER-with-GPS");
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_compliant_jpeg_keeps_its_pixels_byte_for_byte_and_loses_its_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let clean = jpeg(&photo(900, 1200), 90, None);
        let original = with_metadata(&clean);
        let path = dir.path().join("front.jpg");
        std::fs::write(&path, &original).unwrap();
        let cache = Cache::new(dir.path().join("cache"));
        let ready = check_file(&path, &cache, &Limits::default()).unwrap();
        assert!(ready.lossless && !ready.cached);
        let sent = std::fs::read(&ready.copy.path).unwrap();
        assert_eq!(sent, clean, "every pixel segment as it was, nothing else");
        for secret in [
            &b"Exif"[..],
            b"GPS",
            b"xmpmeta",
            b"IPTC",
            b"comment",
            b"TRAILER",
        ] {
            assert!(!contains(&sent, secret));
        }
        assert_eq!(ready.copy.content_type, "image/jpeg");
        assert_eq!(ready.thumbnail.width.max(ready.thumbnail.height), 128);
    }

    #[test]
    fn a_turned_photo_is_decoded_once_and_sent_upright_without_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("side.jpg");
        std::fs::write(&path, jpeg(&photo(1000, 700), 90, Some(6))).unwrap();
        let cache = Cache::new(dir.path().join("cache"));
        let ready = check_file(&path, &cache, &Limits::default()).unwrap();
        assert!(!ready.lossless);
        let sent = std::fs::read(&ready.copy.path).unwrap();
        assert!(!contains(&sent, b"Exif"));
        let img = image::load_from_memory(&sent).unwrap();
        assert_eq!((img.width(), img.height()), (700, 1000));
        assert!(
            ready.thumbnail.height > ready.thumbnail.width,
            "the preview is upright too"
        );
    }

    #[test]
    fn a_kept_copy_is_reused_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jpg");
        std::fs::write(&path, jpeg(&photo(600, 800), 85, Some(3))).unwrap();
        let cache = Cache::new(dir.path().join("cache"));
        let first = check_file(&path, &cache, &Limits::default()).unwrap();
        let again = check_file(&path, &cache, &Limits::default()).unwrap();
        assert!(!first.cached && again.cached);
        assert_eq!(first.copy, again.copy);
        assert_eq!(first.thumbnail, again.thumbnail);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first.copy.path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        cache.remove(std::slice::from_ref(&first.hash));
        assert!(cache.get(&first.hash).is_none());
    }

    #[test]
    fn a_cut_off_or_foreign_file_is_refused_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().join("cache"));
        let whole = jpeg(&photo(600, 800), 85, None);
        let cut = dir.path().join("cut.jpg");
        std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
        let why = check_file(&cut, &cache, &Limits::default()).unwrap_err();
        assert_eq!(why.id(), "media-truncated");
        let text = dir.path().join("notes.jpg");
        std::fs::write(&text, b"not a photo at all").unwrap();
        let why = check_file(&text, &cache, &Limits::default()).unwrap_err();
        assert_eq!(why.id(), "media-not-image");
        let video = dir.path().join("clip.mp4");
        std::fs::write(&video, b"....ftypisom").unwrap();
        // What is wrong with a local video is said before that it cannot be sent from here.
        let why = check_file(&video, &cache, &Limits::default()).unwrap_err();
        assert!(why.id().starts_with("video-"), "{}", why.id());
        let good = dir.path().join("good.mp4");
        std::fs::write(&good, include_bytes!("../../assets/sim/render.mp4")).unwrap();
        let why = check_file(&good, &cache, &Limits::default()).unwrap_err();
        assert_eq!(why.id(), "media-local-video", "nothing else to say");
    }

    #[test]
    fn sweeping_removes_interrupted_writes_and_keeps_fresh_copies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jpg");
        std::fs::write(&path, jpeg(&photo(600, 800), 85, None)).unwrap();
        let cache = Cache::new(dir.path().join("cache"));
        let ready = check_file(&path, &cache, &Limits::default()).unwrap();
        std::fs::write(cache.dir().join("x.jpg.part"), b"half").unwrap();
        assert_eq!(cache.sweep(KEEP_FOR, crate::clock::now()), 1);
        assert!(cache.get(&ready.hash).is_some());
        let later = crate::clock::now() + KEEP_FOR + Duration::from_secs(60);
        assert_eq!(cache.sweep(KEEP_FOR, later), 2);
        assert!(cache.get(&ready.hash).is_none());
    }
}
