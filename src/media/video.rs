//! Video checks before anything is sent: duration, frame rate, size, aspect, pixel count, codec
//! and file size against the limits real-person video assets have, read from the `moov` box
//! by `mp4parse` (Mozilla's MP4/MOV parser; no decoder, no ffmpeg). Only the top-level box
//! headers, `ftyp` and `moov` are read: a file's media data never, and a URL's by ranged
//! requests, so a 50 MB video whose `moov` is at the end is checked by reading a few kilobytes.

use std::io::SeekFrom;
use std::path::Path;

use futures_util::StreamExt;
use reqwest::header::{CONTENT_RANGE, RANGE};

use crate::text::Msg;

/// The limits of a real-person video asset (`API_NOTES.md`).
pub mod limits {
    /// Shortest, in milliseconds.
    pub const MIN_MS: u64 = 2_000;
    /// Longest, in milliseconds.
    pub const MAX_MS: u64 = 15_000;
    /// Frames a second.
    pub const MIN_FPS: f64 = 24.0;
    /// Frames a second (a little over 60 for 59.94/60 rounding).
    pub const MAX_FPS: f64 = 60.5;
    /// Each side, in pixels.
    pub const MIN_SIDE: u32 = 300;
    /// Each side, in pixels.
    pub const MAX_SIDE: u32 = 6_000;
    /// Width over height.
    pub const MIN_ASPECT: f64 = 0.4;
    /// Width over height.
    pub const MAX_ASPECT: f64 = 2.5;
    /// Pixels a frame (480p).
    pub const MIN_PIXELS: u64 = 409_600;
    /// Pixels a frame (1080p).
    pub const MAX_PIXELS: u64 = 2_086_876;
    /// Bytes.
    pub const MAX_BYTES: u64 = 50 * 1024 * 1024;
}

/// At most this much of a video is read to check it (box headers, `ftyp`, `moov`).
pub const MAX_INDEX_BYTES: u64 = 1024 * 1024;
/// At most this much is received from a URL to check it, whatever its server does.
const MAX_URL_BYTES: u64 = 2 * MAX_INDEX_BYTES;
/// A URL's whole check, at most.
const URL_CHECK_TIME: std::time::Duration = std::time::Duration::from_secs(30);
/// Top-level boxes walked before giving up (a real file has a handful).
const MAX_BOXES: usize = 64;

/// What a video's index says.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoFacts {
    /// Length in milliseconds.
    pub duration_ms: u64,
    /// Display width.
    pub width: u32,
    /// Display height.
    pub height: u32,
    /// Frames a second.
    pub fps: f64,
    /// The video codec, e.g. `H.264`.
    pub codec: &'static str,
    /// The file's size.
    pub bytes: u64,
}

/// One thing wrong with a video; each says what to do.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoProblem {
    /// Not an MP4/MOV file, or its index cannot be read.
    Unreadable(String),
    /// The file ends before its boxes do (an interrupted copy).
    Truncated,
    /// No video track.
    NoVideoTrack,
    /// The index is not within the first megabyte read.
    IndexTooLarge,
    /// The server sends the whole file for every request, and the index is not near its start.
    NoRanges,
    /// The check took too long (a slow server).
    TooSlow,
    /// Shorter than 2 s.
    TooShort(u64),
    /// Longer than 15 s.
    TooLong(u64),
    /// Outside 24-60 fps.
    FrameRate(f64),
    /// A side outside 300-6000 px.
    Side(u32, u32),
    /// Width over height outside 0.4-2.5.
    Aspect(u32, u32),
    /// Pixels a frame outside 480p-1080p.
    Pixels(u32, u32),
    /// Over 50 MB.
    TooLarge(u64),
    /// Not H.264.
    Codec(&'static str),
}

impl VideoProblem {
    /// The sentence for staff.
    pub fn advice(&self) -> Msg {
        let secs = |ms: u64| format!("{:.1}", ms as f64 / 1000.0);
        let size = |w: &u32, h: &u32| format!("{w}×{h}");
        match self {
            VideoProblem::Unreadable(why) => {
                Msg::new("video-unreadable").text("reason", crate::text::short_printable(why, 120))
            }
            VideoProblem::Truncated => Msg::new("video-truncated"),
            VideoProblem::NoVideoTrack => Msg::new("video-no-track"),
            VideoProblem::IndexTooLarge => Msg::new("video-index-too-large"),
            VideoProblem::NoRanges => Msg::new("video-no-ranges"),
            VideoProblem::TooSlow => Msg::new("video-too-slow"),
            VideoProblem::TooShort(ms) => Msg::new("video-too-short").text("seconds", secs(*ms)),
            VideoProblem::TooLong(ms) => Msg::new("video-too-long").text("seconds", secs(*ms)),
            VideoProblem::FrameRate(fps) => {
                Msg::new("video-frame-rate").text("fps", format!("{fps:.1}"))
            }
            VideoProblem::Side(w, h) => Msg::new("video-side").text("size", size(w, h)),
            VideoProblem::Aspect(w, h) => Msg::new("video-aspect").text("size", size(w, h)),
            VideoProblem::Pixels(w, h) => Msg::new("video-pixels").text("size", size(w, h)),
            VideoProblem::TooLarge(bytes) => {
                Msg::new("video-too-large").num("mb", super::megabytes(*bytes))
            }
            VideoProblem::Codec(codec) => Msg::new("video-codec").text("codec", *codec),
        }
    }
}

/// Every problem in one sentence for the row (`None` when there is none): each one's own
/// sentence, one after another.
pub fn advice(problems: &[VideoProblem]) -> Option<Msg> {
    let (last, rest) = problems.split_last()?;
    Some(rest.iter().rev().fold(last.advice(), |tail, p| {
        Msg::new("video-and")
            .msg("this", p.advice())
            .msg("rest", tail)
    }))
}

/// What is wrong with a video by the limits (empty: nothing).
pub fn problems_of(f: &VideoFacts) -> Vec<VideoProblem> {
    use limits::*;
    let mut out = Vec::new();
    if f.duration_ms < MIN_MS {
        out.push(VideoProblem::TooShort(f.duration_ms));
    }
    if f.duration_ms > MAX_MS {
        out.push(VideoProblem::TooLong(f.duration_ms));
    }
    if !(MIN_FPS - 0.05..=MAX_FPS).contains(&f.fps) {
        out.push(VideoProblem::FrameRate(f.fps));
    }
    let (w, h) = (f.width, f.height);
    if [w, h].iter().any(|s| !(MIN_SIDE..=MAX_SIDE).contains(s)) {
        out.push(VideoProblem::Side(w, h));
    }
    let aspect = f64::from(w) / f64::from(h.max(1));
    if !(MIN_ASPECT..=MAX_ASPECT).contains(&aspect) {
        out.push(VideoProblem::Aspect(w, h));
    }
    if !(MIN_PIXELS..=MAX_PIXELS).contains(&(u64::from(w) * u64::from(h))) {
        out.push(VideoProblem::Pixels(w, h));
    }
    if f.bytes > MAX_BYTES {
        out.push(VideoProblem::TooLarge(f.bytes));
    }
    if f.codec != "H.264" {
        out.push(VideoProblem::Codec(f.codec));
    }
    out
}

/// What a check found, and how many bytes it read.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoCheck {
    /// What the index says, when it could be read.
    pub facts: Option<VideoFacts>,
    /// What is wrong (empty: it can be sent).
    pub problems: Vec<VideoProblem>,
    /// Bytes read (from the disk or the network).
    pub bytes_read: u64,
}

impl VideoCheck {
    fn of(index: Result<Vec<u8>, VideoProblem>, size: u64, bytes_read: u64) -> VideoCheck {
        let facts = index.and_then(|bytes| facts_of(&bytes, size));
        match facts {
            Ok(f) => VideoCheck {
                problems: problems_of(&f),
                facts: Some(f),
                bytes_read,
            },
            Err(p) => {
                let mut problems = vec![p];
                if size > limits::MAX_BYTES {
                    problems.push(VideoProblem::TooLarge(size));
                }
                VideoCheck {
                    facts: None,
                    problems,
                    bytes_read,
                }
            }
        }
    }
}

/// Somewhere the bytes of a video can be read at an offset.
trait Ranged {
    /// Reads `len` bytes at `offset` (fewer at the end).
    async fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, VideoProblem>;
}

/// A top-level box: its type, where it starts and how long it is.
fn box_header(head: &[u8], offset: u64, total: u64) -> Result<([u8; 4], u64), VideoProblem> {
    if head.len() < 8 {
        return Err(VideoProblem::Truncated);
    }
    let word = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let kind = [head[4], head[5], head[6], head[7]];
    let size = match word(&head[0..4]) {
        0 => total.saturating_sub(offset),
        1 if head.len() >= 16 => u64::from_be_bytes([
            head[8], head[9], head[10], head[11], head[12], head[13], head[14], head[15],
        ]),
        1 => return Err(VideoProblem::Truncated),
        n => u64::from(n),
    };
    if size < 8 {
        return Err(VideoProblem::Unreadable("a box of impossible size".into()));
    }
    Ok((kind, size))
}

/// Walks the top-level boxes and returns `ftyp` and `moov`, read whole (the rest skipped).
async fn index_of(src: &mut impl Ranged, total: u64) -> Result<Vec<u8>, VideoProblem> {
    let (mut offset, mut index, mut read) = (0u64, Vec::new(), 0u64);
    let mut found = (false, false);
    for _ in 0..MAX_BOXES {
        // Every box's header is read, so a file cut off after its index is found out too.
        if offset >= total {
            break;
        }
        let head = src.read_at(offset, 16).await?;
        read += head.len() as u64;
        let (kind, size) = box_header(&head, offset, total)?;
        if offset == 0
            && !matches!(
                &kind,
                b"ftyp" | b"wide" | b"free" | b"moov" | b"mdat" | b"skip"
            )
        {
            return Err(VideoProblem::Unreadable("not an MP4 or MOV file".into()));
        }
        if offset.saturating_add(size) > total {
            return Err(VideoProblem::Truncated);
        }
        if matches!(&kind, b"ftyp" | b"moov") {
            if size > MAX_INDEX_BYTES.saturating_sub(read) {
                return Err(VideoProblem::IndexTooLarge);
            }
            let whole = src.read_at(offset, size).await?;
            read += whole.len() as u64;
            if (whole.len() as u64) < size {
                return Err(VideoProblem::Truncated);
            }
            index.extend_from_slice(&whole);
            found = (found.0 || &kind == b"ftyp", found.1 || &kind == b"moov");
        }
        offset += size;
    }
    if !found.1 {
        return Err(VideoProblem::Unreadable(
            "no moov box: not a finished MP4 or MOV".into(),
        ));
    }
    Ok(index)
}

/// What `ftyp` + `moov` say about the first video track.
fn facts_of(index: &[u8], bytes: u64) -> Result<VideoFacts, VideoProblem> {
    let ctx = mp4parse::read_mp4(&mut std::io::Cursor::new(index))
        .map_err(|e| VideoProblem::Unreadable(format!("{e:?}")))?;
    let track = ctx
        .tracks
        .iter()
        .find(|t| t.track_type == mp4parse::TrackType::Video)
        .ok_or(VideoProblem::NoVideoTrack)?;
    let entry = track.stsd.as_ref().and_then(|d| {
        d.descriptions.iter().find_map(|e| match e {
            mp4parse::SampleEntry::Video(v) => Some(v),
            _ => None,
        })
    });
    let (mut width, mut height) = track
        .tkhd
        .as_ref()
        .map_or((0, 0), |t| (t.width >> 16, t.height >> 16));
    if width == 0 || height == 0 {
        (width, height) = entry.map_or((0, 0), |v| (u32::from(v.width), u32::from(v.height)));
    }
    let timescale = track.timescale.map_or(0, |t| t.0);
    let units = track.duration.map_or(0, |d| d.0);
    let media_ms = units
        .saturating_mul(1000)
        .checked_div(timescale)
        .unwrap_or(0);
    // An edit list trims what is shown: its length is the one that counts.
    let edited_ms = match (track.edited_duration, ctx.timescale) {
        (Some(d), Some(t)) => d.0.saturating_mul(1000).checked_div(t.0),
        _ => None,
    };
    let duration_ms = edited_ms.filter(|ms| *ms > 0).unwrap_or(media_ms);
    if duration_ms == 0 {
        return Err(VideoProblem::Unreadable(
            "no length in its index (a fragmented or streaming MP4)".into(),
        ));
    }
    let frames: u64 = track.stts.as_ref().map_or(0, |s| {
        s.samples.iter().map(|x| u64::from(x.sample_count)).sum()
    });
    // Frames over the media's own length (an edit list shortens what is shown, not the track).
    let fps = match media_ms {
        0 => 0.0,
        ms => frames as f64 * 1000.0 / ms as f64,
    };
    let codec = match entry.map(|v| v.codec_type) {
        Some(mp4parse::CodecType::H264) => "H.264",
        Some(mp4parse::CodecType::AV1) => "AV1",
        Some(mp4parse::CodecType::VP9) => "VP9",
        Some(mp4parse::CodecType::VP8) => "VP8",
        Some(mp4parse::CodecType::MP4V) => "MPEG-4 Part 2",
        Some(mp4parse::CodecType::H263) => "H.263",
        // H.265 among others: the parser does not name it.
        _ => "a codec other than H.264",
    };
    Ok(VideoFacts {
        duration_ms,
        width,
        height,
        fps,
        codec,
        bytes,
    })
}

/// A file read with `std::fs`: its reads never wait on a runtime, so the check completes on
/// its first poll (for callers on a blocking thread, or with no runtime at all).
struct StdFileSource(std::fs::File);

impl Ranged for StdFileSource {
    async fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, VideoProblem> {
        use std::io::{Read, Seek};
        let io = |e: std::io::Error| VideoProblem::Unreadable(e.to_string());
        self.0.seek(SeekFrom::Start(offset)).map_err(io)?;
        let mut buf = Vec::new();
        (&mut self.0).take(len).read_to_end(&mut buf).map_err(io)?;
        Ok(buf)
    }
}

/// Checks a local video file with `std::fs` on the calling thread (no runtime needed).
pub fn check_file_blocking(path: &Path) -> VideoCheck {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return VideoCheck::of(Err(VideoProblem::Unreadable(e.to_string())), 0, 0),
    };
    let size = file.metadata().map_or(0, |m| m.len());
    let mut src = Counting {
        inner: StdFileSource(file),
        read: 0,
    };
    // Nothing in it waits: the first poll finishes it.
    let index = futures_util::FutureExt::now_or_never(index_of(&mut src, size))
        .unwrap_or_else(|| Err(VideoProblem::Unreadable("the check did not finish".into())));
    VideoCheck::of(index, size, src.read)
}

/// Checks a local video file, on a blocking thread.
pub async fn check_file(path: &Path) -> VideoCheck {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || check_file_blocking(&owned))
        .await
        .unwrap_or_else(|e| VideoCheck::of(Err(VideoProblem::Unreadable(e.to_string())), 0, 0))
}

struct Counting<S> {
    inner: S,
    read: u64,
}

impl<S: Ranged> Ranged for Counting<S> {
    async fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, VideoProblem> {
        let got = self.inner.read_at(offset, len).await?;
        self.read += got.len() as u64;
        Ok(got)
    }
}

/// A URL read by ranged requests; a server that ignores ranges is read from the start, at most
/// up to what the check may read. Counts every byte received.
struct UrlSource<'a> {
    http: &'a reqwest::Client,
    url: &'a str,
    received: u64,
    /// The file's first bytes, read with its size: the first box header is not asked again.
    head: Vec<u8>,
}

impl Ranged for UrlSource<'_> {
    async fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, VideoProblem> {
        if offset == 0 && len <= self.head.len() as u64 {
            return Ok(self.head[..len as usize].to_vec());
        }
        let fail = |e: reqwest::Error| VideoProblem::Unreadable(e.without_url().to_string());
        let last = offset
            .checked_add(len.max(1) - 1)
            .ok_or_else(|| VideoProblem::Unreadable("a box of impossible size".into()))?;
        if self.received >= MAX_URL_BYTES {
            return Err(VideoProblem::NoRanges);
        }
        let answer = self
            .http
            .get(self.url)
            .header(RANGE, format!("bytes={offset}-{last}"))
            .send()
            .await
            .map_err(fail)?;
        let skip = match answer.status().as_u16() {
            206 => {
                let start = answer
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes "))
                    .and_then(|v| v.split('-').next())
                    .and_then(|n| n.parse::<u64>().ok());
                if start != Some(offset) {
                    return Err(VideoProblem::Unreadable(
                        "the server answered another part of the file".into(),
                    ));
                }
                0
            }
            // The whole file from its start: what comes before the offset is read and dropped.
            200 => offset,
            416 => return Ok(Vec::new()),
            s => return Err(VideoProblem::Unreadable(format!("the server answered {s}"))),
        };
        if skip > MAX_INDEX_BYTES {
            return Err(VideoProblem::NoRanges);
        }
        let mut out = Vec::new();
        let mut seen = 0u64;
        let mut body = answer.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(fail)?;
            let start = skip.saturating_sub(seen).min(chunk.len() as u64) as usize;
            seen += chunk.len() as u64;
            self.received += chunk.len() as u64;
            if self.received > MAX_URL_BYTES {
                return Err(VideoProblem::NoRanges);
            }
            out.extend_from_slice(&chunk[start..]);
            if out.len() as u64 >= len {
                out.truncate(len as usize);
                break;
            }
        }
        Ok(out)
    }
}

/// The total size from a `Content-Range: bytes a-b/TOTAL` answer.
async fn url_size(http: &reqwest::Client, url: &str) -> Result<(u64, Vec<u8>), VideoProblem> {
    let fail = |e: reqwest::Error| VideoProblem::Unreadable(e.without_url().to_string());
    let answer = http
        .get(url)
        .header(RANGE, "bytes=0-15")
        .send()
        .await
        .map_err(fail)?;
    let total = super::total_length(answer.headers()).ok_or_else(|| {
        VideoProblem::Unreadable("the server does not say the file's size".into())
    })?;
    let mut head = Vec::new();
    let mut body = answer.bytes_stream();
    while let Some(chunk) = body.next().await {
        head.extend_from_slice(&chunk.map_err(fail)?);
        if head.len() >= 16 {
            head.truncate(16);
            break;
        }
    }
    Ok((total, head))
}

/// Checks a video at a URL, reading its box headers and index by ranged requests (at most
/// 2 MiB received and 30 s in all, whatever the server does).
pub async fn check_url(http: &reqwest::Client, url: &str) -> VideoCheck {
    match tokio::time::timeout(URL_CHECK_TIME, check_url_now(http, url)).await {
        Ok(check) => check,
        Err(_) => VideoCheck::of(Err(VideoProblem::TooSlow), 0, 0),
    }
}

async fn check_url_now(http: &reqwest::Client, url: &str) -> VideoCheck {
    let (total, head) = match url_size(http, url).await {
        Ok(x) => x,
        Err(p) => return VideoCheck::of(Err(p), 0, 0),
    };
    let mut src = UrlSource {
        http,
        url,
        received: head.len() as u64,
        head,
    };
    let index = index_of(&mut src, total).await;
    VideoCheck::of(index, total, src.received)
}
