//! URL probing against a local server: each bad URL gets its own message.

use std::time::Duration;

use avatar_kiosk::api::AssetKind;
use avatar_kiosk::media::url::{UrlProblem, probe, probe_client};
use avatar_kiosk::media::{Blocked, Limits};
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;

pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut out),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    out
}

async fn server() -> String {
    let face = jpeg(640, 800);
    let tiny = jpeg(50, 50);
    let huge = jpeg(6_100, 3_000);
    let app = Router::new()
        .route(
            "/face.jpg",
            get(move || async move { ([(header::CONTENT_TYPE, "image/jpeg")], face.clone()) }),
        )
        .route(
            "/tiny.jpg",
            get(move || async move { ([(header::CONTENT_TYPE, "image/jpeg")], tiny.clone()) }),
        )
        .route(
            "/huge.jpg",
            get(move || async move { ([(header::CONTENT_TYPE, "image/jpeg")], huge.clone()) }),
        )
        .route(
            "/page",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    "<html><body><img src=x></body></html>",
                )
            }),
        )
        .route(
            "/slow.jpg",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route(
            "/big.mp4",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "video/mp4"),
                        (header::CONTENT_LENGTH, "62914560"),
                    ],
                    "",
                )
            }),
        )
        .route(
            "/clip.mp4",
            // A real 3 s 640×640 H.264 clip.
            get(|| async {
                let clip = include_bytes!("../../assets/sim/render.mp4").to_vec();
                ([(header::CONTENT_TYPE, "video/mp4")], clip)
            }),
        )
        .route(
            "/zeros.mp4",
            get(|| async { ([(header::CONTENT_TYPE, "video/mp4")], vec![0u8; 1000]) }),
        )
        .route(
            "/endless.jpg",
            // 64 MiB with no length: the preview stops reading at its cap.
            get(|| async {
                let chunks = (0..64)
                    .map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![0xFFu8; 1 << 20])));
                (
                    [(header::CONTENT_TYPE, "image/jpeg")],
                    axum::body::Body::from_stream(futures_util::stream::iter(chunks)),
                )
            }),
        )
        .route(
            "/nohead.jpg",
            get(|| async { ([(header::CONTENT_TYPE, "image/jpeg")], jpeg(400, 400)) })
                .head(|| async { StatusCode::METHOD_NOT_ALLOWED.into_response() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn each_bad_url_gets_its_own_message() {
    let base = server().await;
    // Under the 5 s of /slow.jpg, above ten redirects' worth even on a slow loopback (Wine).
    let http = probe_client(Duration::from_millis(2500));
    let limits = Limits::default();
    let p = |path: &str| format!("{base}{path}");

    let ok = probe(&http, &p("/face.jpg"), &limits).await.unwrap();
    assert_eq!(ok.kind, AssetKind::Image);
    assert_eq!(ok.size, Some((640, 800)));
    assert!(ok.thumbnail.is_some());

    let video = probe(&http, &p("/clip.mp4"), &limits).await.unwrap();
    assert_eq!(video.kind, AssetKind::Video);
    assert!(video.thumbnail.is_none());
    // Not a video at all, though the server says so.
    let zeros = probe(&http, &p("/zeros.mp4"), &limits).await.unwrap_err();
    assert_eq!(zeros.advice().id(), "video-unreadable", "{zeros:?}");

    let endless = probe(
        &probe_client(Duration::from_secs(10)),
        &p("/endless.jpg"),
        &limits,
    )
    .await
    .unwrap();
    assert_eq!(endless.kind, AssetKind::Image);
    assert!(endless.thumbnail.is_none(), "no preview past the cap");

    let fallback = probe(&http, &p("/nohead.jpg"), &limits).await.unwrap();
    assert_eq!(
        fallback.kind,
        AssetKind::Image,
        "a ranged GET when HEAD is refused"
    );

    type Expect = Box<dyn Fn(&UrlProblem) -> bool>;
    let cases: Vec<(&str, Expect)> = vec![
        (
            "/missing.jpg",
            Box::new(|e| matches!(e, UrlProblem::NotFound(404))),
        ),
        ("/page", Box::new(|e| matches!(e, UrlProblem::WebPage))),
        ("/slow.jpg", Box::new(|e| matches!(e, UrlProblem::Timeout))),
        ("/loop", Box::new(|e| matches!(e, UrlProblem::RedirectLoop))),
        (
            "/big.mp4",
            Box::new(|e| matches!(e, UrlProblem::VideoTooLarge(62_914_560))),
        ),
        (
            "/tiny.jpg",
            Box::new(|e| matches!(e, UrlProblem::Image(Blocked::TooSmall { .. }))),
        ),
        (
            "/huge.jpg",
            Box::new(|e| matches!(e, UrlProblem::Image(Blocked::TooLarge { width: 6_100, .. }))),
        ),
    ];
    let mut advices = Vec::new();
    for (path, expected) in cases {
        let err = probe(&http, &p(path), &limits).await.unwrap_err();
        assert!(expected(&err), "{path}: {err:?}");
        advices.push(err.advice().english());
    }
    let unique: std::collections::HashSet<_> = advices.iter().collect();
    assert_eq!(
        unique.len(),
        advices.len(),
        "every problem has its own advice"
    );
    assert_eq!(
        probe(&http, "ftp://x/y.jpg", &limits).await.unwrap_err(),
        UrlProblem::NotHttp
    );
}
