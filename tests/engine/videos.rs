//! Video checks with real videos made here by ffmpeg (skipped without it, unless
//! `AVATAR_KIOSK_REQUIRE_FFMPEG` is set, as `.ci/run` does): each problem its own message; a
//! 50 MB video whose `moov` is at the end checked from a URL by reading under 1 MiB; the
//! simulator fetching a submitted video and refusing it as the upstream would.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use avatar_kiosk::media::video::{self, VideoProblem, check_file, check_url};
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// ffmpeg, when this machine has it.
pub fn ffmpeg() -> Option<PathBuf> {
    let found = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("AVATAR_KIOSK_REQUIRE_FFMPEG").is_some() {
        panic!("ffmpeg is required (AVATAR_KIOSK_REQUIRE_FFMPEG) but not on the PATH");
    }
    if !found {
        eprintln!("skipped: no ffmpeg on the PATH");
    }
    found.then(|| PathBuf::from("ffmpeg"))
}

/// Makes a test-pattern video: `secs` long, `w`×`h` at `fps`, H.264; `faststart` puts the
/// `moov` box first.
pub fn make(
    dir: &Path,
    name: &str,
    secs: f64,
    (w, h): (u32, u32),
    fps: u32,
    faststart: bool,
) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec![
        "-hide_banner".to_string(),
        "-loglevel".into(),
        "error".into(),
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        format!("testsrc2=size={w}x{h}:rate={fps}"),
        "-t".into(),
        secs.to_string(),
        "-c:v".into(),
        "libx264".into(),
        "-preset".into(),
        "ultrafast".into(),
        "-pix_fmt".into(),
        "yuv420p".into(),
    ];
    if faststart {
        args.extend(["-movflags".into(), "+faststart".into()]);
    }
    args.extend(["-y".into(), out.display().to_string()]);
    let status = std::process::Command::new("ffmpeg")
        .args(&args)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg {args:?}");
    out
}

/// The top-level boxes of an MP4: (type, offset, size).
fn boxes(bytes: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = bytes[at + 4..at + 8].try_into().unwrap();
        out.push((kind, at, size));
        at += size.max(8);
    }
    out
}

/// The same file with a `free` box of `pad` bytes put just before its `moov` box (media data
/// offsets stay true when the `moov` is at the end).
fn padded_before_moov(bytes: &[u8], pad: usize) -> Vec<u8> {
    let (_, moov, _) = boxes(bytes).into_iter().find(|b| &b.0 == b"moov").unwrap();
    let mut out = bytes[..moov].to_vec();
    out.extend_from_slice(&(pad as u32).to_be_bytes());
    out.extend_from_slice(b"free");
    out.resize(out.len() + pad - 8, 0);
    out.extend_from_slice(&bytes[moov..]);
    out
}

fn ids(problems: &[VideoProblem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| p.advice().id().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_problem_of_a_video_gets_its_own_message() {
    if ffmpeg().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = make(d, "good.mp4", 5.0, (1280, 720), 24, true);
    let ok = check_file(&good).await;
    assert!(ok.problems.is_empty(), "{:?}", ok.problems);
    let facts = ok.facts.unwrap();
    assert_eq!(
        (facts.width, facts.height, facts.codec),
        (1280, 720, "H.264")
    );
    assert!((facts.duration_ms as i64 - 5000).abs() < 100, "{facts:?}");
    assert!((facts.fps - 24.0).abs() < 0.5, "{facts:?}");
    assert!(
        ok.bytes_read < 64 * 1024,
        "only the index is read: {}",
        ok.bytes_read
    );

    let short = check_file(&make(d, "1s.mp4", 1.0, (1280, 720), 24, true)).await;
    assert_eq!(ids(&short.problems), ["video-too-short"]);
    let long = check_file(&make(d, "20s.mp4", 20.0, (640, 640), 24, true)).await;
    assert_eq!(ids(&long.problems), ["video-too-long"]);
    let slow = check_file(&make(d, "10fps.mp4", 3.0, (1280, 720), 10, true)).await;
    assert_eq!(ids(&slow.problems), ["video-frame-rate"]);
    let huge = check_file(&make(d, "4k.mp4", 2.5, (3840, 2160), 24, true)).await;
    assert_eq!(ids(&huge.problems), ["video-pixels"]);

    // 60 MB: a valid clip with 60 MB of padding at its end.
    let mut bytes = std::fs::read(&good).unwrap();
    let pad = 60 * 1024 * 1024;
    bytes.extend_from_slice(&(pad as u32).to_be_bytes());
    bytes.extend_from_slice(b"free");
    bytes.resize(bytes.len() + pad - 8, 0);
    let big = d.join("60mb.mp4");
    std::fs::write(&big, &bytes).unwrap();
    let big = check_file(&big).await;
    assert_eq!(ids(&big.problems), ["video-too-large"]);

    // Cut off: an interrupted copy.
    let whole = std::fs::read(&good).unwrap();
    let cut = d.join("cut.mp4");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).unwrap();
    let cut = check_file(&cut).await;
    assert_eq!(ids(&cut.problems), ["video-truncated"]);

    // Several problems: each said, one after another.
    let both = check_file(&make(d, "both.mp4", 1.0, (3840, 2160), 10, true)).await;
    assert_eq!(
        ids(&both.problems),
        ["video-too-short", "video-frame-rate", "video-pixels"]
    );
    let said = video::advice(&both.problems).unwrap();
    assert_eq!(said.id(), "video-and");
    let english = said.english();
    assert!(
        english.contains("1.0 s") && english.contains("10.0") && english.contains("3840×2160"),
        "{english}"
    );
    // A local video that breaks a limit ffmpeg can mend: what is wrong, then Fix offered.
    let long = d.join("20s.mp4");
    let cache = avatar_kiosk::media::presend::Cache::new(d.join("cache"));
    let why = tokio::task::spawn_blocking(move || {
        avatar_kiosk::media::presend::check_file(&long, &cache, &Default::default())
    })
    .await
    .unwrap()
    .unwrap_err();
    let english = why.english();
    assert!(
        english.contains("20.0 s") && english.contains("Press Fix"),
        "{english}"
    );
}

/// A file server that answers ranged requests and counts the bytes it sends.
#[derive(Clone)]
struct Files {
    files: Arc<std::collections::HashMap<String, Vec<u8>>>,
    sent: Arc<AtomicU64>,
}

async fn ranged(
    State(f): State<Files>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(bytes) = f.files.get(&name) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let total = bytes.len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
    let Some((a, b)) = range else {
        f.sent.fetch_add(total as u64, Ordering::SeqCst);
        return ([(header::CONTENT_TYPE, "video/mp4")], bytes.clone()).into_response();
    };
    if a >= total {
        return StatusCode::RANGE_NOT_SATISFIABLE.into_response();
    }
    let b = b.min(total - 1);
    let part = bytes[a..=b].to_vec();
    f.sent.fetch_add(part.len() as u64, Ordering::SeqCst);
    (
        StatusCode::PARTIAL_CONTENT,
        [
            (header::CONTENT_TYPE, "video/mp4".to_string()),
            (header::CONTENT_RANGE, format!("bytes {a}-{b}/{total}")),
        ],
        part,
    )
        .into_response()
}

/// Serves `files` on 127.0.0.1; returns the base URL and the byte counter.
pub async fn serve(files: Vec<(&str, Vec<u8>)>) -> (String, Arc<AtomicU64>) {
    let sent = Arc::new(AtomicU64::new(0));
    let state = Files {
        files: Arc::new(files.into_iter().map(|(n, b)| (n.to_string(), b)).collect()),
        sent: sent.clone(),
    };
    let app = Router::new()
        .route("/v/{name}", get(ranged))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/v"), sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_video_with_its_index_at_the_end_is_checked_reading_under_a_mebibyte() {
    if ffmpeg().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = make(dir.path(), "end.mp4", 5.0, (1280, 720), 30, false);
    let bytes = std::fs::read(&plain).unwrap();
    let kinds: Vec<[u8; 4]> = boxes(&bytes).iter().map(|b| b.0).collect();
    assert_eq!(
        kinds.last(),
        Some(b"moov"),
        "the index is at the end: {kinds:?}"
    );
    // Just under the 50 MB limit.
    let pad = 50 * 1024 * 1024 - bytes.len() - 4096;
    let big = padded_before_moov(&bytes, pad);
    assert!(big.len() > 49 * 1024 * 1024);
    let (base, sent) = serve(vec![("end.mp4", big.clone())]).await;
    let http = avatar_kiosk::media::url::probe_client(std::time::Duration::from_secs(10));
    let check = check_url(&http, &format!("{base}/end.mp4")).await;
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let facts = check.facts.unwrap();
    assert_eq!(
        (facts.width, facts.height, facts.bytes),
        (1280, 720, big.len() as u64)
    );
    let served = sent.load(Ordering::SeqCst);
    println!(
        "checked a {} byte video from a URL reading {} bytes ({served} sent)",
        big.len(),
        check.bytes_read
    );
    assert!(check.bytes_read <= 1024 * 1024, "{}", check.bytes_read);
    assert!(served <= 1024 * 1024, "{served}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_fetches_submitted_videos_and_refuses_what_upstream_would() {
    if ffmpeg().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(make(dir.path(), "good.mp4", 4.0, (720, 1280), 30, true)).unwrap();
    let long = std::fs::read(make(dir.path(), "long.mp4", 20.0, (640, 640), 24, true)).unwrap();
    let (base, _) = serve(vec![("good.mp4", good), ("long.mp4", long)]).await;
    let sim = avatar_kiosk::sim::Simulator::start(crate::returning::sim_config())
        .await
        .unwrap();
    let db = dir.path().join("kiosk.sqlite3");
    let mut run = crate::start(crate::config(&sim, &db)).await;
    let urls = [
        format!("{base}/good.mp4"),
        format!("{base}/long.mp4"),
        format!("{base}/gone.mp4"),
    ];
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let s = crate::returning::onboard(&mut run, &sim, "Kim", &refs).await;
    let state = |name: &str| {
        s.current_assets()
            .find(|a| a.name == name)
            .map(|a| a.state.clone())
            .unwrap()
    };
    use avatar_kiosk::flow::AssetState;
    assert!(
        matches!(state("good"), AssetState::Active { .. }),
        "{:?}",
        state("good")
    );
    match state("long") {
        AssetState::Failed { code, message } => {
            assert_eq!(code.as_deref(), Some("InvalidVideo"));
            assert!(message.unwrap_or_default().contains("20.0 s"));
        }
        other => panic!("{other:?}"),
    }
    match state("gone") {
        AssetState::Failed { code, .. } => assert_eq!(code.as_deref(), Some("FetchFailed")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sim.counters().submit_requests,
        vec![("Video".to_string(), 3)]
    );
    run.engine.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_ranges_is_not_read_to_its_end() {
    // The simulator's clip laid out with its index last, behind 4 MB of padding, on a server
    // that answers every request with the whole file.
    let clip = include_bytes!("../../assets/sim/render.mp4").to_vec();
    let parts = boxes(&clip);
    let mut end = Vec::new();
    for (kind, at, size) in &parts {
        if kind != b"moov" {
            end.extend_from_slice(&clip[*at..at + size]);
        }
    }
    let (_, moov_at, moov_size) = parts.iter().find(|b| &b.0 == b"moov").copied().unwrap();
    end.extend_from_slice(&clip[moov_at..moov_at + moov_size]);
    let padded = padded_before_moov(&end, 4 * 1024 * 1024);
    let total = padded.len();
    let app = Router::new().route(
        "/whole.mp4",
        get(move || {
            let body = padded.clone();
            async move { ([(header::CONTENT_TYPE, "video/mp4")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let http = avatar_kiosk::media::url::probe_client(std::time::Duration::from_secs(10));
    let check = check_url(&http, &format!("http://{addr}/whole.mp4")).await;
    assert_eq!(check.problems, [VideoProblem::NoRanges]);
    assert!(
        check.bytes_read < total as u64 / 2,
        "{} of {total} bytes received",
        check.bytes_read
    );
}
