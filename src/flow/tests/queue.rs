//! The send queue and the pre-send verdict; rows saved by older versions.

use super::*;

#[test]
fn a_tokenless_callback_must_name_the_links_key() {
    let mut s = session();
    s.apply(Input::RequestLink).unwrap();
    s.apply(link_ready("t1")).unwrap();
    // A phone still open on an older link: no token, and that link's key or none. Refused.
    for key in [None, Some("k-t0".to_string())] {
        assert_eq!(
            s.apply(Input::PhoneCallback {
                result_code: "10000".into(),
                token: None,
                message: None,
                callback_key: key,
            }),
            Err(Refusal::NotNow("refusal-other-link"))
        );
    }
    assert_eq!(s.link().unwrap().token_state, TokenState::Waiting);
    // This link's own address: the result is asked for.
    let a = s
        .apply(Input::PhoneCallback {
            result_code: "10000".into(),
            token: None,
            message: None,
            callback_key: Some("k-t1".into()),
        })
        .unwrap();
    assert_eq!(a, vec![Effect::QueryVerification { token: "t1".into() }]);
}

/// `n` local photos `/p/0.jpg`...
fn files(n: usize) -> Input {
    Input::AddAssets(
        (0..n)
            .map(|i| {
                let path = format!("/p/{i}.jpg").into();
                (
                    format!("p{i}"),
                    AssetSource::File { path },
                    AssetKind::Image,
                )
            })
            .collect(),
    )
}

fn verify_now(s: &mut Session) -> Vec<Effect> {
    s.apply(Input::StaffConfirmed).unwrap();
    s.apply(Input::VerificationAnswer(VerificationOutcome::Verified {
        group_id: "g".into(),
    }))
    .unwrap()
}

#[test]
fn photos_upload_while_the_phone_verifies_and_go_the_moment_the_group_arrives() {
    let mut s = session();
    s.apply(Input::RequestLink).unwrap();
    s.apply(link_ready("t1")).unwrap();
    let a = s.apply(files(2)).unwrap();
    assert!(a.iter().all(|a| matches!(a, Effect::Check { .. })), "{a:?}");
    s.apply(urls(&["u"])).unwrap();
    let a = checks_pass(&mut s);
    let uploads = a
        .iter()
        .filter(|a| matches!(a, Effect::Upload { .. }))
        .count();
    assert_eq!(uploads, 2, "no group id is needed to upload: {a:?}");
    for asset in [1, 2] {
        let url = format!("https://u/{asset}");
        assert!(s.apply(Input::Uploaded { asset, url }).unwrap().is_empty());
    }
    assert_eq!(s.stage(), Stage::Verify);
    let a = verify_now(&mut s);
    let [Effect::Submit { assets, .. }] = a.as_slice() else {
        panic!("one submit when the group arrives: {a:?}")
    };
    assert_eq!(
        assets.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(s.stage(), Stage::Reviewing);
}

#[test]
fn full_requests_leave_while_other_photos_still_upload() {
    let mut s = session();
    s.apply(Input::RequestLink).unwrap();
    s.apply(link_ready("t1")).unwrap();
    s.apply(files(25)).unwrap();
    checks_pass(&mut s);
    for asset in 1..=21 {
        let url = format!("https://u/{asset}");
        s.apply(Input::Uploaded { asset, url }).unwrap();
    }
    let a = verify_now(&mut s);
    let [Effect::Submit { assets, .. }] = a.as_slice() else {
        panic!("{a:?}")
    };
    assert_eq!(assets.len(), 20, "a full request goes at once");
    let mut rest = Vec::new();
    for asset in 22..=25 {
        let url = format!("https://u/{asset}");
        rest.extend(s.apply(Input::Uploaded { asset, url }).unwrap());
    }
    let [Effect::Submit { assets, .. }] = rest.as_slice() else {
        panic!("the rest goes once the last upload is done: {rest:?}")
    };
    assert_eq!(
        assets.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [21, 22, 23, 24, 25]
    );
}

#[test]
fn a_blocked_row_is_never_sent() {
    let mut s = session();
    verified(&mut s);
    s.apply(urls(&["bad", "good"])).unwrap();
    s.apply(Input::Checked {
        asset: 1,
        result: Err(Msg::new("media-too-small")),
    })
    .unwrap();
    s.apply(Input::Checked {
        asset: 2,
        result: Ok(None),
    })
    .unwrap();
    assert!(s.assets[0].is_held());
    let a = s.apply(Input::Submit).unwrap();
    let [Effect::Submit { assets, .. }] = a.as_slice() else {
        panic!("{a:?}")
    };
    assert_eq!(assets.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [2]);
    assert_eq!(
        s.apply(Input::Submit),
        Err(Refusal::NotNow("refusal-only-blocked"))
    );
    assert_eq!(s.assets[0].submissions, 0);
}

#[test]
fn the_same_photo_twice_is_blocked_as_a_duplicate() {
    let mut s = session();
    s.apply(files(2)).unwrap();
    for asset in [1, 2] {
        s.apply(Input::Checked {
            asset,
            result: Ok(Some("same".into())),
        })
        .unwrap();
    }
    assert!(!s.assets[0].is_blocked());
    assert!(
        matches!(&s.assets[1].check, Check::Blocked { reason } if reason.id() == "media-duplicate"),
        "{:?}",
        s.assets[1].check
    );
}

#[test]
fn rows_and_sessions_saved_by_an_older_version_still_load() {
    let state: AssetState =
        serde_json::from_str(r#"{"UploadFailed":{"reason":"The file is gone."}}"#).unwrap();
    assert_eq!(
        state,
        AssetState::UploadFailed {
            reason: Msg::verbatim("The file is gone.")
        }
    );
    let spent: TokenState =
        serde_json::from_str(r#"{"Spent":{"reason":"Press New code."}}"#).unwrap();
    assert_eq!(
        spent,
        TokenState::Spent {
            reason: Msg::verbatim("Press New code.")
        }
    );
}

#[test]
fn a_whole_session_saved_by_an_older_version_still_loads() {
    let session = sample::reviewed_session("0123456789abcdef", "김민지", 2, 0);
    let mut v = serde_json::to_value(&session).unwrap();
    v["last_error"] = "The review is taking longer than expected.".into();
    v["verification"] = serde_json::json!({"Failed": {"reason": "liveness failed"}});
    v["assets"][0]["state"] = serde_json::json!({
        "Uncertain": {"url": "https://cdn.example/a.jpg", "reason": "The app stopped."}
    });
    let old: Session = serde_json::from_value(v).unwrap();
    assert_eq!(
        old.last_error,
        Some(Msg::verbatim("The review is taking longer than expected."))
    );
    assert_eq!(
        old.verification,
        Verification::Failed {
            reason: Msg::verbatim("liveness failed")
        }
    );
    assert_eq!(
        old.assets[0].state,
        AssetState::Uncertain {
            url: "https://cdn.example/a.jpg".into(),
            reason: Msg::verbatim("The app stopped."),
            since_task: 0,
        }
    );
}

#[test]
fn the_cameras_hints_stay_on_their_row_through_a_save_and_never_block_it() {
    let mut s = session();
    s.apply(Input::RequestLink).unwrap();
    s.apply(link_ready("t1")).unwrap();
    s.apply(files(2)).unwrap();
    let source = AssetSource::File {
        path: "/p/1.jpg".into(),
    };
    let dark = vec![Msg::new("camera-hint-dark")];
    s.apply(Input::Hints {
        source: source.clone(),
        hints: dark.clone(),
    })
    .unwrap();
    let saved: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    let rows: Vec<_> = saved.current_assets().map(|a| a.hints.clone()).collect();
    assert_eq!(rows, vec![vec![], dark]);
    assert!(saved.current_assets().all(|a| !a.is_blocked()));
    let elsewhere = AssetSource::File {
        path: "/p/9.jpg".into(),
    };
    assert_eq!(
        s.apply(Input::Hints {
            source: elsewhere,
            hints: vec![]
        }),
        Err(Refusal::NotNow("refusal-asset-gone"))
    );
}
