//! Every client call against the simulator, each error class, and the retry rules.

use std::time::{Duration, Instant};

use avatar_kiosk::api::{
    ApiError, AssetInput, AssetKind, BatchState, ClientOptions, ImageWithRole, Language,
    RetryPolicy, TaskStatus, VerificationOutcome, VideoRequest,
};
use avatar_kiosk::sim::{Faults, SimConfig, VerifyShape};

use crate::{client_for, fast_options, pair, tiny_png};

const CALLBACK: &str = "http://127.0.0.1:9/cb/session-1";

fn images(n: usize, prefix: &str) -> Vec<AssetInput> {
    (0..n)
        .map(|i| AssetInput {
            url: format!("https://cdn.studio.example/{prefix}-{i}.jpg"),
            name: format!("{prefix}-{i}"),
            kind: AssetKind::Image,
        })
        .collect()
}

/// Creates a session, passes it on the "phone" and returns the group id.
async fn verified_group(
    sim: &avatar_kiosk::sim::Simulator,
    client: &avatar_kiosk::api::Client,
) -> String {
    let link = client
        .start_verification(CALLBACK, "default", None)
        .await
        .unwrap();
    sim.phone_finishes(&link.task_id, true).unwrap();
    match client
        .query_verification(&link.byted_token, "default")
        .await
        .unwrap()
    {
        VerificationOutcome::Verified { group_id } => group_id,
        other => panic!("expected Verified, got {other:?}"),
    }
}

#[tokio::test]
async fn the_whole_flow_against_the_simulator() {
    let (sim, client) = pair(SimConfig::default()).await;
    let link = client
        .start_verification(CALLBACK, "default", Some(Language::Ko))
        .await
        .unwrap();
    assert!(!link.h5_link.contains("\\u0026"), "{}", link.h5_link);
    assert!(link.h5_link.contains("&lng=ko"), "{}", link.h5_link);

    let redirect = sim.phone_finishes(&link.task_id, true).unwrap();
    let redirect = url::Url::parse(&redirect).unwrap();
    let q: std::collections::HashMap<_, _> = redirect.query_pairs().into_owned().collect();
    assert_eq!(q.get("resultCode").map(String::as_str), Some("10000"));
    assert_eq!(q.get("bytedToken"), Some(&link.byted_token));

    let group = match client
        .query_verification(&link.byted_token, "default")
        .await
    {
        Ok(VerificationOutcome::Verified { group_id }) => group_id,
        other => panic!("expected Verified, got {other:?}"),
    };

    let uploaded = client
        .upload_image(tiny_png().into(), "front.png", "image/png")
        .await
        .unwrap();
    assert!(uploaded.url.starts_with(&sim.base_url()));
    assert_eq!(uploaded.content_type.as_deref(), Some("image/png"));

    let mut assets = vec![AssetInput {
        url: uploaded.url.clone(),
        name: "front".into(),
        kind: AssetKind::Image,
    }];
    assets.push(AssetInput {
        url: "https://cdn.studio.example/side-fail.jpg".into(),
        name: "side".into(),
        kind: AssetKind::Image,
    });
    let batches = client.submit_assets(&group, "default", &assets).await;
    assert_eq!(batches.len(), 1);
    let BatchState::Accepted(review) = &batches[0].state else {
        panic!("expected Accepted, got {:?}", batches[0].state);
    };

    let first = client.get_task(&review.id, None).await.unwrap();
    assert_eq!(first.status, TaskStatus::Processing);

    sim.advance(Duration::from_secs(60));
    let done = client.get_task(&review.id, None).await.unwrap();
    assert_eq!(done.status, TaskStatus::Failed, "one of two assets fails");
    assert_eq!(
        done.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("task_failed")
    );
    let items = done.review_items();
    let front = items
        .iter()
        .find(|i| i.name.as_deref() == Some("front"))
        .unwrap();
    let asset_url = front.asset_url.clone().unwrap();
    assert!(asset_url.starts_with("asset://"));
    let side = items
        .iter()
        .find(|i| i.name.as_deref() == Some("side"))
        .unwrap();
    assert_eq!(
        side.failure().and_then(|f| f.code).as_deref(),
        Some("FaceMismatch")
    );

    let video = client
        .create_video(&VideoRequest {
            model: "doubao-seedance-2.0-face".into(),
            prompt: "waves at the camera".into(),
            image_with_roles: vec![ImageWithRole {
                url: asset_url,
                role: "reference_image".into(),
            }],
            duration: 5,
            resolution: Some("720p".into()),
            size: None,
        })
        .await
        .unwrap();
    assert!(!video.is_empty());
    let c = sim.counters();
    assert_eq!(c.op("create_session"), 1);
    assert_eq!(c.token_uses.get(&link.byted_token), Some(&1));
    assert_eq!(c.op("video"), 1);
}

#[tokio::test]
async fn every_verification_shape_yields_the_group() {
    for shape in [
        VerifyShape::Data,
        VerifyShape::DataResult,
        VerifyShape::DataResultUpper,
        VerifyShape::RawResponse,
        VerifyShape::Task,
    ] {
        let (sim, client) = pair(SimConfig {
            verify_shape: shape,
            ..SimConfig::default()
        })
        .await;
        let link = client
            .start_verification(CALLBACK, "default", None)
            .await
            .unwrap();
        sim.phone_finishes(&link.task_id, true).unwrap();
        let mut outcome = client
            .query_verification(&link.byted_token, "default")
            .await
            .unwrap();
        if let VerificationOutcome::Pending { task_id } = &outcome {
            assert_eq!(shape, VerifyShape::Task);
            outcome = client.verification_task(task_id).await.unwrap();
        }
        assert!(
            matches!(&outcome, VerificationOutcome::Verified { group_id } if group_id.starts_with("grp_")),
            "{shape:?}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn asking_too_early_is_not_ready_and_burns_the_token() {
    let (sim, client) = pair(SimConfig::default()).await;
    let link = client
        .start_verification(CALLBACK, "default", None)
        .await
        .unwrap();
    let early = client
        .query_verification(&link.byted_token, "default")
        .await
        .unwrap();
    assert_eq!(early, VerificationOutcome::NotReady);
    // The token is dead now: the phone cannot finish, and a second ask is refused.
    assert!(sim.phone_finishes(&link.task_id, true).is_err());
    let again = client
        .query_verification(&link.byted_token, "default")
        .await
        .unwrap_err();
    assert!(
        matches!(again, ApiError::BadRequest { ref code, .. } if code.as_deref() == Some("TokenUsed")),
        "{again:?}"
    );
    assert_eq!(sim.counters().token_uses.get(&link.byted_token), Some(&2));
}

#[tokio::test]
async fn a_failed_verification_says_why() {
    let (sim, client) = pair(SimConfig::default()).await;
    let link = client
        .start_verification(CALLBACK, "default", None)
        .await
        .unwrap();
    let redirect = sim.phone_finishes(&link.task_id, false).unwrap();
    assert!(redirect.contains("resultCode=10001"));
    let outcome = client
        .query_verification(&link.byted_token, "default")
        .await
        .unwrap();
    assert!(
        matches!(&outcome, VerificationOutcome::Failed { reason } if reason.english().contains("liveness")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_wrong_key_is_401_with_advice_and_not_retried() {
    let (sim, _) = pair(SimConfig {
        key: Some("the-right-key".into()),
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim.base_url(), "a-wrong-key", fast_options());
    let err = client.get_task("task_x", None).await.unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err:?}");
    assert!(err.advice().english().contains("API key in Settings"));
    assert!(!format!("{err} {err:?} {}", err.advice()).contains("a-wrong-key"));
    assert_eq!(sim.counters().op("unauthorized"), 1);
    let good = client_for(&sim.base_url(), "the-right-key", fast_options());
    let err = good.get_task("task_x", None).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Other { status: 404, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_request_balance_and_size_errors() {
    let (sim, client) = pair(SimConfig::default()).await;
    // 400: a group that does not exist.
    let batches = client
        .submit_assets("grp_nobody", "default", &images(1, "a"))
        .await;
    assert!(
        matches!(
            &batches[0].state,
            BatchState::Refused(ApiError::BadRequest { .. })
        ),
        "{batches:?}"
    );

    // 413: an upload over 20 MB.
    let big = vec![0xFFu8; 20 * 1024 * 1024 + 1];
    let err = client
        .upload_image(big.into(), "big.jpg", "image/jpeg")
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::PayloadTooLarge { .. }), "{err:?}");
    assert!(err.advice().english().contains("20 MB"));

    // 400: not an image.
    let err = client
        .upload_image(b"hello".to_vec().into(), "a.jpg", "image/jpeg")
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::BadRequest { .. }), "{err:?}");

    // 402: not retried, advice says to top up.
    sim.set_faults(Faults {
        insufficient_balance: true,
        ..Faults::default()
    });
    let err = client
        .create_session(CALLBACK, "default")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::InsufficientBalance { .. }),
        "{err:?}"
    );
    assert!(err.advice().english().contains("Top up"));
    assert_eq!(sim.counters().op("create_session"), 1);
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_asked_wait() {
    let (sim, client) = pair(SimConfig::default()).await;
    let created = client.create_session(CALLBACK, "default").await.unwrap();
    sim.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let start = Instant::now();
    let task = client.get_task(&created.id, None).await.unwrap();
    assert_eq!(task.id, created.id);
    // The retry waited at least what Retry-After asked for.
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    let c = sim.counters();
    assert_eq!(c.op("rate_limited"), 1);
    assert_eq!(c.op("get_task"), 1);

    // A wait longer than the policy allows is reported, not slept through.
    sim.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: 600,
        ..Faults::default()
    });
    let err = client.get_task(&created.id, None).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
    assert_eq!(sim.counters().op("rate_limited"), 2);
}

#[tokio::test]
async fn server_errors_and_garbage_are_retried_for_safe_calls_only() {
    let (sim, client) = pair(SimConfig::default()).await;
    sim.set_faults(Faults {
        server_error_next: 2,
        ..Faults::default()
    });
    let created = client.create_session(CALLBACK, "default").await.unwrap();
    assert_eq!(sim.counters().op("server_error"), 2);
    assert_eq!(sim.counters().op("create_session"), 1);

    // Past the policy's attempts the error is returned: 4 attempts, then Server.
    sim.set_faults(Faults {
        server_error_next: 10,
        ..Faults::default()
    });
    let err = client.get_task(&created.id, None).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Server { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(sim.counters().op("server_error"), 6);

    // Malformed JSON is a Decode error, retried for a read.
    sim.set_faults(Faults {
        malformed_next: 1,
        ..Faults::default()
    });
    assert!(client.get_task(&created.id, None).await.is_ok());
    let no_retry = client_for(
        &sim.base_url(),
        "k",
        ClientOptions {
            retry: RetryPolicy::none(),
            ..fast_options()
        },
    );
    sim.set_faults(Faults {
        malformed_next: 1,
        ..Faults::default()
    });
    let err = no_retry.get_task(&created.id, None).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Decode { ref excerpt, .. } if excerpt.contains("\"code\"")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_submit_is_never_retried_and_a_lost_answer_is_uncertain() {
    let (sim, client) = pair(SimConfig::default()).await;
    let group = verified_group(&sim, &client).await;

    // A 5xx on the first of two requests: uncertain, the second is not sent, nothing repeated.
    sim.set_faults(Faults {
        server_error_next: 1,
        ..Faults::default()
    });
    let batches = client
        .submit_assets(&group, "default", &images(25, "five"))
        .await;
    assert!(matches!(
        batches[0].state,
        BatchState::Uncertain(ApiError::Server { .. })
    ));
    assert_eq!(batches[1].state, BatchState::NotSent);
    assert_eq!(sim.counters().op("server_error"), 1);
    assert_eq!(sim.counters().op("submit"), 0);

    // The connection drops after the server applied the request: uncertain, and applied once.
    sim.set_faults(Faults {
        drop_next: 1,
        ..Faults::default()
    });
    let batches = client
        .submit_assets(&group, "default", &images(1, "dropped"))
        .await;
    assert!(
        matches!(
            batches[0].state,
            BatchState::Uncertain(ApiError::Connection { .. })
        ),
        "{:?}",
        batches[0].state
    );
    let c = sim.counters();
    assert_eq!(c.op("submit"), 1);
    assert_eq!(c.submitted.get(&format!("{group}/dropped-0")), Some(&1));
}

#[tokio::test]
async fn forty_five_assets_become_three_requests_and_kinds_are_split() {
    let (sim, client) = pair(SimConfig::default()).await;
    let group = verified_group(&sim, &client).await;
    let batches = client
        .submit_assets(&group, "default", &images(45, "img"))
        .await;
    assert_eq!(batches.len(), 3);
    assert!(
        batches
            .iter()
            .all(|b| matches!(b.state, BatchState::Accepted(_)))
    );
    assert_eq!(
        sim.counters().submit_requests,
        vec![
            ("Image".into(), 20),
            ("Image".into(), 20),
            ("Image".into(), 5)
        ]
    );

    let mut mixed = images(2, "photo");
    mixed.insert(
        1,
        AssetInput {
            url: "https://cdn.studio.example/clip.mp4".into(),
            name: "clip".into(),
            kind: AssetKind::Video,
        },
    );
    let batches = client.submit_assets(&group, "default", &mixed).await;
    assert_eq!(batches.len(), 2);
    let requests = sim.counters().submit_requests;
    assert_eq!(
        requests[3..].to_vec(),
        vec![("Image".to_string(), 2), ("Video".to_string(), 1)]
    );
    assert!(
        sim.counters().submitted.values().all(|n| *n == 1),
        "no asset submitted twice"
    );
}

#[tokio::test]
async fn timeouts_and_refused_connections() {
    let (sim, _) = pair(SimConfig::default()).await;
    sim.set_faults(Faults {
        latency_ms: 2_000,
        ..Faults::default()
    });
    let impatient = client_for(
        &sim.base_url(),
        "k",
        ClientOptions {
            request_timeout: Duration::from_millis(100),
            retry: RetryPolicy::none(),
            ..fast_options()
        },
    );
    let err = impatient.get_task("task_x", None).await.unwrap_err();
    assert_eq!(err, ApiError::Timeout);
    assert!(err.advice().english().contains("network"));

    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let nobody = client_for(
        &format!("http://127.0.0.1:{port}"),
        "k",
        ClientOptions {
            retry: RetryPolicy::none(),
            ..fast_options()
        },
    );
    let err = nobody.get_task("task_x", None).await.unwrap_err();
    assert!(matches!(err, ApiError::Unreachable { .. }), "{err:?}");
    assert!(err.certainly_not_applied());
}

#[tokio::test]
async fn plain_http_is_refused_for_remote_hosts() {
    let err = avatar_kiosk::api::Client::new(
        "http://api.apimart.ai",
        &avatar_kiosk::api::ApiKey::new("k"),
        ClientOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ApiError::InsecureBaseUrl { .. }));
    assert!(err.advice().english().contains("https://"));
}
