//! The simulator's own rules: expiry, one-time tokens, the H5 page, partial review, uploads.

use std::time::Duration;

use avatar_kiosk::api::{
    ApiError, AssetInput, AssetKind, BatchState, TaskStatus, VerificationOutcome,
};
use avatar_kiosk::sim::{PhoneError, SimConfig};

use crate::{pair, tiny_png};

const CALLBACK: &str = "http://127.0.0.1:9/cb/s";

/// A browser that stops at each redirect, to look at it.
#[allow(clippy::disallowed_methods)]
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn links_expire_and_so_do_their_tokens() {
    let (sim, client) = pair(SimConfig::default()).await;
    let link = client
        .start_verification(CALLBACK, "default", None)
        .await
        .unwrap();
    sim.advance(Duration::from_secs(121));
    assert_eq!(
        sim.phone_finishes(&link.task_id, true),
        Err(PhoneError::Expired)
    );
    let page = no_redirects().get(&link.h5_link).send().await.unwrap();
    assert_eq!(page.status(), 410);
    let err = client
        .query_verification(&link.byted_token, "default")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::BadRequest { ref code, .. } if code.as_deref() == Some("TokenExpired")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_token_gives_its_result_once() {
    let (sim, client) = pair(SimConfig::default()).await;
    let link = client
        .start_verification(CALLBACK, "default", None)
        .await
        .unwrap();
    sim.phone_finishes(&link.task_id, true).unwrap();
    assert!(matches!(
        client
            .query_verification(&link.byted_token, "default")
            .await,
        Ok(VerificationOutcome::Verified { .. })
    ));
    let second = client
        .query_verification(&link.byted_token, "default")
        .await
        .unwrap_err();
    assert!(
        matches!(second, ApiError::BadRequest { ref code, .. } if code.as_deref() == Some("TokenUsed"))
    );
    assert_eq!(sim.counters().token_uses.get(&link.byted_token), Some(&2));
    // The phone cannot finish twice either.
    assert_eq!(
        sim.phone_finishes(&link.task_id, true),
        Err(PhoneError::AlreadyFinished)
    );
}

#[tokio::test]
async fn the_h5_page_sends_the_phone_to_the_callback() {
    let (_sim, client) = pair(SimConfig::default()).await;
    let link = client
        .start_verification(CALLBACK, "default", None)
        .await
        .unwrap();
    let http = no_redirects();
    let page = http.get(&link.h5_link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(">Pass</button>") && html.contains(">Fail</button>"));
    // Press "Pass" as the phone's browser would: the form's action, relative to the page.
    let action = html
        .split("action=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let action = url::Url::parse(&link.h5_link)
        .unwrap()
        .join(&action)
        .unwrap();
    let resp = http.post(action).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert!(location.contains("resultCode=10000"));
    assert!(location.contains(&format!("bytedToken={}", link.byted_token)));
    // Now the result is ready.
    assert!(matches!(
        client
            .query_verification(&link.byted_token, "default")
            .await,
        Ok(VerificationOutcome::Verified { .. })
    ));
}

#[tokio::test]
async fn reviews_progress_and_fail_partially_by_the_documented_rule() {
    let (sim, client) = pair(SimConfig {
        review_duration: Duration::from_secs(30),
        ..SimConfig::default()
    })
    .await;
    let link = client
        .start_verification(CALLBACK, "default", None)
        .await
        .unwrap();
    sim.phone_finishes(&link.task_id, true).unwrap();
    let Ok(VerificationOutcome::Verified { group_id }) = client
        .query_verification(&link.byted_token, "default")
        .await
    else {
        panic!("not verified");
    };
    let assets: Vec<AssetInput> = ["front", "left-fail", "group-photo"]
        .iter()
        .map(|n| AssetInput {
            url: format!("https://cdn.studio.example/{n}.jpg"),
            name: n.to_string(),
            kind: AssetKind::Image,
        })
        .collect();
    let batches = client.submit_assets(&group_id, "default", &assets).await;
    let BatchState::Accepted(task) = &batches[0].state else {
        panic!("{batches:?}");
    };

    let t = client.get_task(&task.id, None).await.unwrap();
    assert_eq!(t.status, TaskStatus::Processing);
    assert_eq!(t.progress, Some(0));

    sim.advance(Duration::from_secs(11));
    let t = client.get_task(&task.id, None).await.unwrap();
    assert_eq!(t.status, TaskStatus::Processing);
    assert_eq!(t.progress, Some(33));
    assert_eq!(t.result.usable_assets.len(), 1);

    sim.advance(Duration::from_secs(30));
    let t = client.get_task(&task.id, None).await.unwrap();
    assert_eq!(t.status, TaskStatus::Failed);
    assert_eq!(
        t.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("task_failed")
    );
    assert_eq!(t.result.usable_assets.len(), 1);
    let codes: Vec<_> = t
        .result
        .failed_assets
        .iter()
        .filter_map(|i| i.failure().and_then(|f| f.code))
        .collect();
    assert_eq!(codes, ["FaceMismatch", "MultipleFaces"]);
}

#[tokio::test]
async fn more_than_twenty_in_one_request_is_refused() {
    let (sim, client) = pair(SimConfig::default()).await;
    let link = client
        .start_verification(CALLBACK, "default", None)
        .await
        .unwrap();
    sim.phone_finishes(&link.task_id, true).unwrap();
    let Ok(VerificationOutcome::Verified { group_id }) = client
        .query_verification(&link.byted_token, "default")
        .await
    else {
        panic!("not verified");
    };
    let assets: Vec<AssetInput> = (0..21)
        .map(|i| AssetInput {
            url: format!("https://cdn.studio.example/{i}.jpg"),
            name: format!("a{i}"),
            kind: AssetKind::Image,
        })
        .collect();
    // submit_batch sends as given, bypassing the client's split.
    let err = client
        .submit_batch(&group_id, "default", AssetKind::Image, &assets)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::BadRequest { ref code, .. } if code.as_deref() == Some("too_many_assets"))
    );
}

#[tokio::test]
async fn uploads_are_served_back_at_their_url() {
    let (_sim, client) = pair(SimConfig::default()).await;
    let png = tiny_png();
    let up = client
        .upload_image(png.clone().into(), "me.png", "image/png")
        .await
        .unwrap();
    assert_eq!(up.bytes, Some(png.len() as u64));
    let served = reqwest::get(&up.url).await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
}

#[tokio::test]
async fn the_upload_answer_has_the_documented_fields_at_the_top_level() {
    let (sim, _client) = pair(SimConfig::default()).await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(tiny_png())
            .file_name("me.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let answer: serde_json::Value =
        avatar_kiosk::api::http::for_loopback(std::time::Duration::from_secs(10))
            .unwrap()
            .post(format!("{}/v1/uploads/images", sim.base_url()))
            .bearer_auth("test-key")
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert!(answer.get("data").is_none(), "{answer}");
    for field in ["url", "filename", "content_type", "bytes", "created_at"] {
        assert!(answer.get(field).is_some(), "no {field} in {answer}");
    }
    let now = u64::try_from(avatar_kiosk::clock::now_ms() / 1000).unwrap();
    let created = answer["created_at"].as_u64().unwrap();
    assert!(
        created + 60 > now && created <= now + 1,
        "{created} vs {now}"
    );
}
