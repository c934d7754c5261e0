//! Probing the studio's own asset URLs before anything is submitted: reachable, the right
//! kind, a sensible size; images get a preview.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, RANGE};

use super::{Blocked, Limits, Thumbnail};
use crate::api::AssetKind;
use crate::text::Msg;

/// The largest video upstream accepts.
pub const MAX_VIDEO_BYTES: u64 = 50 * 1024 * 1024;

/// The largest image fetched for a preview.
pub const MAX_PREVIEW_BYTES: u64 = 20 * 1024 * 1024;

/// What a URL turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlProbe {
    /// Image or video.
    pub kind: AssetKind,
    /// As the server says.
    pub content_type: String,
    /// When the server says.
    pub bytes: Option<u64>,
    /// Images only.
    pub thumbnail: Option<Thumbnail>,
    /// Images only: the size.
    pub size: Option<(u32, u32)>,
}

/// Why a URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// Not http(s).
    #[error("not an http(s) address")]
    NotHttp,
    /// 404 or 410.
    #[error("not found ({0})")]
    NotFound(u16),
    /// Any other refusal.
    #[error("the server answered {0}")]
    Status(u16),
    /// Redirects that never end.
    #[error("too many redirects")]
    RedirectLoop,
    /// The server did not answer in time.
    #[error("the server did not answer in time")]
    Timeout,
    /// No connection.
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    /// An HTML page instead of a file.
    #[error("a web page, not a file")]
    WebPage,
    /// Neither an image nor an MP4/MOV video.
    #[error("unsupported content type {0}")]
    Unsupported(String),
    /// A video its index says cannot be used: the sentence says each problem.
    #[error("the video cannot be used")]
    Video(Msg),
    /// A video over 50 MB.
    #[error("the video is {0} bytes")]
    VideoTooLarge(u64),
    /// The image itself cannot be used.
    #[error("{0}")]
    Image(Blocked),
}

impl UrlProblem {
    /// What staff should do.
    pub fn advice(&self) -> Msg {
        match self {
            UrlProblem::NotHttp => Msg::new("url-not-http"),
            UrlProblem::NotFound(code) => Msg::new("url-not-found").num("status", *code),
            UrlProblem::Status(code) => Msg::new("url-status").num("status", *code),
            UrlProblem::RedirectLoop => Msg::new("url-redirect-loop"),
            UrlProblem::Timeout => Msg::new("url-timeout"),
            UrlProblem::Unreachable(_) => Msg::new("url-unreachable"),
            UrlProblem::WebPage => Msg::new("url-web-page"),
            UrlProblem::Unsupported(ct) => Msg::new("url-unsupported").text("type", ct),
            UrlProblem::Video(why) => why.clone(),
            UrlProblem::VideoTooLarge(n) => {
                Msg::new("url-video-too-large").num("mb", super::megabytes(*n))
            }
            UrlProblem::Image(b) => b.advice(),
        }
    }
}

fn transport(e: &reqwest::Error) -> UrlProblem {
    if e.is_redirect() {
        UrlProblem::RedirectLoop
    } else if e.is_timeout() {
        UrlProblem::Timeout
    } else {
        UrlProblem::Unreachable(e.without_url_ref())
    }
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut s = self.to_string();
        if let Some(u) = self.url() {
            s = s.replace(u.as_str(), "the address");
        }
        s
    }
}

/// A client for probing: bounded redirects and a timeout.
pub fn probe_client(timeout: Duration) -> reqwest::Client {
    crate::api::http::for_probing(timeout)
}

fn kind_of(content_type: &str, url: &str) -> Result<AssetKind, UrlProblem> {
    let ct = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let path = url::Url::parse(url)
        .map(|u| u.path().to_ascii_lowercase())
        .unwrap_or_default();
    match ct.as_str() {
        "text/html" | "application/xhtml+xml" => Err(UrlProblem::WebPage),
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" => Ok(AssetKind::Image),
        "video/mp4" | "video/quicktime" => Ok(AssetKind::Video),
        // Generic types: trust a known file ending.
        "" | "application/octet-stream" | "binary/octet-stream" => super::kind_from_ending(&path)
            .ok_or_else(|| {
                UrlProblem::Unsupported(if ct.is_empty() {
                    "no content type".into()
                } else {
                    ct
                })
            }),
        _ => Err(UrlProblem::Unsupported(ct)),
    }
}

/// Probes a URL: HEAD first, a ranged GET when HEAD is refused; images are then fetched (up
/// to 20 MB) for their size check and preview.
pub async fn probe(
    http: &reqwest::Client,
    url: &str,
    limits: &Limits,
) -> Result<UrlProbe, UrlProblem> {
    let parsed = url::Url::parse(url).map_err(|_| UrlProblem::NotHttp)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlProblem::NotHttp);
    }
    let head = http.head(url).send().await.map_err(|e| transport(&e))?;
    let (status, headers) = if head.status().is_success() {
        (head.status().as_u16(), head.headers().clone())
    } else if matches!(head.status().as_u16(), 404 | 410) {
        return Err(UrlProblem::NotFound(head.status().as_u16()));
    } else {
        // Some servers refuse HEAD: ask for the first bytes instead.
        let get = http
            .get(url)
            .header(RANGE, "bytes=0-0")
            .send()
            .await
            .map_err(|e| transport(&e))?;
        (get.status().as_u16(), get.headers().clone())
    };
    match status {
        200..=299 => {}
        404 | 410 => return Err(UrlProblem::NotFound(status)),
        s => return Err(UrlProblem::Status(s)),
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = super::total_length(&headers);
    let kind = kind_of(&content_type, url)?;
    if kind == AssetKind::Video
        && let Some(n) = bytes.filter(|n| *n > MAX_VIDEO_BYTES)
    {
        return Err(UrlProblem::VideoTooLarge(n));
    }
    // Videos are not decoded; images too big to preview here are fetched by APIMart itself.
    let unseen = |content_type| UrlProbe {
        kind,
        content_type,
        bytes,
        thumbnail: None,
        size: None,
    };
    if kind == AssetKind::Video {
        // Its index, read by ranged requests: what APIMart would refuse is said now.
        let check = super::video::check_url(http, url).await;
        if let Some(why) = super::video::advice(&check.problems) {
            return Err(UrlProblem::Video(why));
        }
        return Ok(unseen(content_type));
    }
    if bytes.is_some_and(|n| n > MAX_PREVIEW_BYTES) {
        return Ok(unseen(content_type));
    }
    let body = http.get(url).send().await.map_err(|e| transport(&e))?;
    if !body.status().is_success() {
        return Err(UrlProblem::Status(body.status().as_u16()));
    }
    // A server that sends no length (or a wrong one) is cut off at the preview's cap.
    let Some(data) = crate::api::read_capped(body, MAX_PREVIEW_BYTES as usize)
        .await
        .map_err(|e| transport(&e))?
    else {
        return Ok(unseen(content_type));
    };
    let max_side = limits.max_side;
    let limits = limits.clone();
    let decoded = tokio::task::spawn_blocking(move || {
        super::decode_checked(&data, &limits)
            .map(|(img, _)| (super::thumbnail_of(&img), (img.width(), img.height())))
    })
    .await
    .map_err(|e| UrlProblem::Unreachable(e.to_string()))?;
    let (thumbnail, size) = decoded.map_err(UrlProblem::Image)?;
    // Local files are shrunk before upload; a URL is fetched by APIMart as it is.
    if size.0.max(size.1) > max_side {
        return Err(UrlProblem::Image(Blocked::TooLarge {
            width: size.0,
            height: size.1,
        }));
    }
    Ok(UrlProbe {
        kind,
        content_type,
        bytes,
        thumbnail: Some(thumbnail),
        size: Some(size),
    })
}
