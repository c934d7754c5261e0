//! The documented answer shapes, parsed from fixture files.

use avatar_kiosk::api::{
    ApiError, AssetStatus, TaskStatus, UploadedImage, VerificationOutcome, clean_h5_link,
    interpret_response, parse_data, task_from_data, verification_outcome,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn data(name: &str) -> serde_json::Value {
    interpret_response(200, None, &fixture(name)).expect("fixture is a success envelope")
}

#[test]
fn session_created() {
    let task: avatar_kiosk::api::TaskRef = parse_data(data("session_created.json")).unwrap();
    assert_eq!(task.id, "task_01JABCDEF");
    assert_eq!(task.status, TaskStatus::Completed);
}

#[test]
fn session_task_holds_link_and_token_and_unknown_fields_are_ignored() {
    let task = task_from_data(data("session_task.json")).unwrap();
    let link = clean_h5_link(task.result.h5_link.as_deref().unwrap());
    assert_eq!(
        link,
        "https://h5.volcengine.example/verify?token=abc&lng=en&from=apimart"
    );
    assert_eq!(task.result.byted_token.as_deref(), Some("bt_9f8e7d"));
    assert!(task.result.raw_response.is_some());
}

#[test]
fn review_in_progress_accepts_string_progress() {
    let task = task_from_data(data("review_processing.json")).unwrap();
    assert_eq!(task.status, TaskStatus::Processing);
    assert_eq!(task.progress, Some(40));
    let items = task.review_items();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].status, AssetStatus::Active);
    assert_eq!(items[1].status, AssetStatus::Processing);
}

#[test]
fn completed_review() {
    let task = task_from_data(data("review_completed.json")).unwrap();
    assert_eq!(task.status, TaskStatus::Completed);
    let items = task.review_items();
    assert_eq!(items.len(), 2, "usable_assets do not duplicate assets");
    assert!(items.iter().all(|i| i.status == AssetStatus::Active));
    assert_eq!(items[1].asset_url.as_deref(), Some("asset://a2"));
}

#[test]
fn partial_failure_keeps_usable_assets() {
    let task = task_from_data(data("review_partial_failure.json")).unwrap();
    assert_eq!(task.status, TaskStatus::Failed);
    assert_eq!(
        task.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("task_failed")
    );
    let items = task.review_items();
    assert_eq!(items.len(), 3);
    let usable: Vec<_> = items
        .iter()
        .filter(|i| i.status == AssetStatus::Active)
        .filter_map(|i| i.asset_url.as_deref())
        .collect();
    assert_eq!(usable, ["asset://a1", "asset://a3"]);
    let failure = items[1].failure().expect("the failed asset has a reason");
    assert_eq!(failure.code.as_deref(), Some("FaceMismatch"));
    assert_eq!(
        failure.message.as_deref(),
        Some("face consistency verification failed")
    );
}

#[test]
fn upload_answers_bare_and_enveloped() {
    let bare: UploadedImage = parse_data(data("upload.json")).unwrap();
    assert_eq!(bare.url, "https://upload.apimart.example/f/abc.jpg");
    assert_eq!(bare.bytes, Some(123456));
    let wrapped: UploadedImage = parse_data(data("upload_enveloped.json")).unwrap();
    assert_eq!(wrapped.content_type.as_deref(), Some("image/png"));
}

#[test]
fn error_bodies_in_both_shapes() {
    let e = interpret_response(402, None, &fixture("error_openai.json")).unwrap_err();
    assert_eq!(
        e,
        ApiError::InsufficientBalance {
            message: "Your balance is insufficient".into()
        }
    );
    assert!(e.advice().english().contains("Top up"));
    // `{"code": 401, "message"}` with HTTP 200 is still an error, with the same advice; but
    // the gateway took the request, so it is not "certainly not applied" (a one-time code
    // may be spent).
    let e = interpret_response(200, None, &fixture("error_code.json")).unwrap_err();
    assert_eq!(
        e.meaning(),
        &ApiError::Unauthorized {
            message: "Invalid API key".into()
        }
    );
    assert!(e.advice().english().contains("Settings"));
    assert!(!e.certainly_not_applied());
    let on_the_status_line =
        interpret_response(401, None, br#"{"error":{"message":"Invalid API key"}}"#).unwrap_err();
    assert!(on_the_status_line.certainly_not_applied());
}

#[test]
fn undecodable_body_keeps_a_short_excerpt() {
    let body = format!("<html>{}</html>", "x".repeat(5000));
    let e = interpret_response(200, None, body.as_bytes()).unwrap_err();
    match e {
        ApiError::Decode { excerpt, .. } => {
            assert!(excerpt.starts_with("<html>"));
            assert!(excerpt.chars().count() <= 201);
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[test]
fn every_verification_shape_yields_the_group_id() {
    let cases = [
        ("data.json", "grp_data"),
        ("data_upper.json", "grp_data_upper"),
        ("result.json", "grp_result"),
        ("result_upper.json", "grp_result_upper"),
        ("capital_result.json", "12345"),
        ("raw_response.json", "grp_raw"),
        ("raw_response_string.json", "grp_raw_string"),
    ];
    for (file, group) in cases {
        let outcome = verification_outcome(&data(&format!("verify/{file}")));
        assert_eq!(
            outcome,
            VerificationOutcome::Verified {
                group_id: group.into()
            },
            "{file}"
        );
    }
    // A failed answer is a failure, even when it names a group.
    let outcome = verification_outcome(&serde_json::json!({
        "status": "failed", "group_id": "grp_x",
        "error": {"message": "liveness check failed"}
    }));
    assert!(
        matches!(&outcome, VerificationOutcome::Failed { reason } if reason.english().contains("liveness")),
        "{outcome:?}"
    );
    // A bare task id is followed up, not mistaken for a group.
    let outcome =
        verification_outcome(&serde_json::json!({"id": "task_9", "status": "processing"}));
    assert_eq!(
        outcome,
        VerificationOutcome::Pending {
            task_id: "task_9".into()
        }
    );
}
