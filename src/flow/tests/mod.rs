//! The state machine's rules, as examples and as properties over random event sequences.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::api::{AssetKind, AssetStatus, Language, ReviewItem, VerificationOutcome};
use crate::text::Msg;

fn session() -> Session {
    Session::new(
        "s1".into(),
        "Kim Minji".into(),
        String::new(),
        "default".into(),
        Language::Ko,
        0,
    )
}

fn link_ready(token: &str) -> Input {
    Input::LinkReady {
        task_id: format!("task-{token}"),
        h5_link: format!("https://h5.example/{token}"),
        token: token.into(),
        issued_at: 0,
        expires_at: 120_000,
        callback_key: Some(format!("k-{token}")),
    }
}

fn verified(s: &mut Session) {
    s.apply(Input::RequestLink).unwrap();
    s.apply(link_ready("t1")).unwrap();
    s.apply(Input::StaffConfirmed).unwrap();
    s.apply(Input::VerificationAnswer(VerificationOutcome::Verified {
        group_id: "g".into(),
    }))
    .unwrap();
}

/// Adds image URLs `https://c/<name>.jpg` named by `names`.
fn urls(names: &[&str]) -> Input {
    Input::AddAssets(
        names
            .iter()
            .map(|n| {
                let url = format!("https://c/{n}.jpg");
                (n.to_string(), AssetSource::Url { url }, AssetKind::Image)
            })
            .collect(),
    )
}

/// The pre-send checks of every row still being checked pass (files get a hash of their path);
/// returns what that started.
fn checks_pass(s: &mut Session) -> Vec<Effect> {
    let pending: Vec<(AssetId, AssetSource)> = s
        .assets
        .iter()
        .filter(|a| a.check == Check::Pending)
        .map(|a| (a.id, a.source.clone()))
        .collect();
    let mut actions = Vec::new();
    for (asset, source) in pending {
        let result = Ok(match source {
            AssetSource::File { path } => Some(format!("hash-of-{}", path.display())),
            AssetSource::Url { .. } => None,
        });
        actions.extend(s.apply(Input::Checked { asset, result }).unwrap());
    }
    actions
}

fn item(name: &str, status: AssetStatus) -> ReviewItem {
    ReviewItem {
        name: Some(name.into()),
        status,
        asset_url: Some(format!("asset://{name}")),
        ..ReviewItem::default()
    }
}

#[test]
fn the_happy_path_reaches_all_approved() {
    let mut s = session();
    assert_eq!(s.stage(), Stage::Start);
    assert_eq!(
        s.apply(Input::RequestLink).unwrap(),
        vec![Effect::IssueLink]
    );
    s.apply(link_ready("t1")).unwrap();
    assert_eq!(s.stage(), Stage::Verify);
    let a = s
        .apply(Input::PhoneCallback {
            result_code: "10000".into(),
            token: Some("t1".into()),
            message: None,
            callback_key: None,
        })
        .unwrap();
    assert_eq!(a, vec![Effect::QueryVerification { token: "t1".into() }]);
    s.apply(Input::VerificationAnswer(VerificationOutcome::Verified {
        group_id: "g".into(),
    }))
    .unwrap();
    assert_eq!(s.stage(), Stage::Assets);
    s.apply(Input::AddAssets(vec![
        (
            "front".into(),
            AssetSource::File {
                path: "/p/front.jpg".into(),
            },
            AssetKind::Image,
        ),
        (
            "clip".into(),
            AssetSource::Url {
                url: "https://c/clip.mp4".into(),
            },
            AssetKind::Video,
        ),
    ]))
    .unwrap();
    // Checked: the photo's upload starts at once, before Submit.
    assert_eq!(
        checks_pass(&mut s),
        vec![Effect::Upload {
            asset: 1,
            kind: AssetKind::Image,
            path: "/p/front.jpg".into(),
            hash: Some("hash-of-/p/front.jpg".into()),
        }]
    );
    assert_eq!(
        s.stage(),
        Stage::Assets,
        "an upload ahead of Submit is not the step"
    );
    let a = s.apply(Input::Submit).unwrap();
    assert!(a.is_empty(), "the URL waits for the photo's upload: {a:?}");
    assert_eq!(s.stage(), Stage::Uploading);
    let a = s
        .apply(Input::Uploaded {
            asset: 1,
            url: "https://u/front".into(),
        })
        .unwrap();
    let [Effect::Submit { assets, .. }] = a.as_slice() else {
        panic!("{a:?}")
    };
    assert_eq!(assets.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [1, 2]);
    let a = s
        .apply(Input::SubmitResult {
            assets: vec![1, 2],
            outcome: SubmitOutcome::Accepted("r1".into()),
        })
        .unwrap();
    assert_eq!(
        a,
        vec![Effect::PollReview {
            task_id: "r1".into()
        }]
    );
    assert_eq!(s.stage(), Stage::Reviewing);
    s.apply(Input::ReviewUpdate {
        task_id: "r1".into(),
        items: vec![
            item("front", AssetStatus::Active),
            item("clip", AssetStatus::Active),
        ],
        done: true,
        error: None,
    })
    .unwrap();
    assert_eq!(s.stage(), Stage::FinishedAllApproved);
}

#[test]
fn an_expired_link_leads_to_a_new_link_in_the_same_session() {
    let mut s = session();
    s.apply(Input::RequestLink).unwrap();
    s.apply(link_ready("t1")).unwrap();
    s.apply(Input::Tick(120_000)).unwrap();
    assert_eq!(s.link().map(|l| &l.token_state), Some(&TokenState::Expired));
    assert!(
        s.apply(Input::StaffConfirmed).is_err(),
        "a dead code cannot be confirmed"
    );
    assert_eq!(
        s.apply(Input::RequestLink).unwrap(),
        vec![Effect::IssueLink]
    );
    s.apply(link_ready("t2")).unwrap();
    assert_eq!(s.link().map(|l| l.token.as_str()), Some("t2"));
    // A late callback for the old link is ignored.
    assert!(
        s.apply(Input::PhoneCallback {
            result_code: "10000".into(),
            token: Some("t1".into()),
            message: None,
            callback_key: None,
        })
        .is_err()
    );
}

#[test]
fn a_failed_callback_records_the_reason_and_asks_nothing() {
    let mut s = session();
    s.apply(Input::RequestLink).unwrap();
    s.apply(link_ready("t1")).unwrap();
    let a = s
        .apply(Input::PhoneCallback {
            result_code: "10001".into(),
            token: Some("t1".into()),
            message: Some("liveness failed".into()),
            callback_key: None,
        })
        .unwrap();
    assert!(a.is_empty());
    // The session goes on: the code is spent, the reason is shown, staff choose a new code.
    assert_eq!(s.stage(), Stage::Verify);
    assert!(
        matches!(s.link().map(|l| &l.token_state), Some(TokenState::Spent { reason }) if reason.english().contains("liveness failed"))
    );
    assert_eq!(
        s.apply(Input::RequestLink).unwrap(),
        vec![Effect::IssueLink]
    );
}

#[test]
fn the_phones_words_are_kept_short_and_printable() {
    let mut s = session();
    s.apply(Input::RequestLink).unwrap();
    s.apply(link_ready("t1")).unwrap();
    let long = format!("\u{1b}[2J{}", "x".repeat(5000));
    s.apply(Input::PhoneCallback {
        result_code: "\u{1b}]0;evil\u{7}10001".into(),
        token: Some("t1".into()),
        message: Some(long),
        callback_key: None,
    })
    .unwrap();
    let shown = s.last_error.as_ref().unwrap().english();
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
    assert!(shown.chars().count() < 400, "{}", shown.len());
}

#[test]
fn partial_review_then_a_replacement_is_approved() {
    let mut s = session();
    verified(&mut s);
    s.apply(urls(&["a", "b"])).unwrap();
    checks_pass(&mut s);
    s.apply(Input::Submit).unwrap();
    s.apply(Input::SubmitResult {
        assets: vec![1, 2],
        outcome: SubmitOutcome::Accepted("r1".into()),
    })
    .unwrap();
    s.apply(Input::ReviewUpdate {
        task_id: "r1".into(),
        items: vec![
            item("a", AssetStatus::Active),
            item("b", AssetStatus::Failed),
        ],
        done: true,
        error: None,
    })
    .unwrap();
    assert_eq!(s.stage(), Stage::FinishedPartly);
    let a = s
        .apply(Input::Replace {
            asset: 2,
            name: "b".into(),
            source: AssetSource::Url {
                url: "https://c/b2.jpg".into(),
            },
            kind: AssetKind::Image,
        })
        .unwrap();
    assert!(
        matches!(a.as_slice(), [Effect::Check { asset: 3, .. }]),
        "the replacement is checked before it goes: {a:?}"
    );
    let a = checks_pass(&mut s);
    let [Effect::Submit { assets, .. }] = a.as_slice() else {
        panic!("{a:?}")
    };
    assert_eq!(assets.len(), 1);
    assert_eq!(assets[0].1.name, "b-2", "names stay unique");
    s.apply(Input::SubmitResult {
        assets: vec![3],
        outcome: SubmitOutcome::Accepted("r2".into()),
    })
    .unwrap();
    s.apply(Input::ReviewUpdate {
        task_id: "r2".into(),
        items: vec![item("b-2", AssetStatus::Active)],
        done: false,
        error: None,
    })
    .unwrap();
    assert_eq!(s.stage(), Stage::FinishedAllApproved);
}

#[test]
fn resume_turns_interrupted_work_into_honest_states() {
    let mut s = session();
    verified(&mut s);
    s.apply(Input::AddAssets(vec![
        (
            "a".into(),
            AssetSource::Url {
                url: "https://c/a.jpg".into(),
            },
            AssetKind::Image,
        ),
        (
            "b".into(),
            AssetSource::File {
                path: "/p/b.png".into(),
            },
            AssetKind::Image,
        ),
    ]))
    .unwrap();
    checks_pass(&mut s);
    s.apply(Input::Submit).unwrap();
    // Crash: "a" waits for "b", which is uploading.
    let actions = s.clone().resume(1);
    assert_eq!(
        actions,
        vec![Effect::Upload {
            asset: 2,
            kind: AssetKind::Image,
            path: "/p/b.png".into(),
            hash: Some("hash-of-/p/b.png".into()),
        }]
    );
    s.apply(Input::Uploaded {
        asset: 2,
        url: "https://u/b".into(),
    })
    .unwrap();
    // Crash while the submit is out: uncertain, never sent again by itself.
    let mut after = s.clone();
    let actions = after.resume(2);
    assert!(actions.is_empty(), "{actions:?}");
    assert!(
        after
            .assets
            .iter()
            .all(|a| matches!(a.state, AssetState::Uncertain { .. }))
    );
}

#[test]
fn resume_after_the_token_was_used_without_an_answer_spends_it() {
    let mut s = session();
    s.apply(Input::RequestLink).unwrap();
    s.apply(link_ready("t1")).unwrap();
    s.apply(Input::StaffConfirmed).unwrap();
    let actions = s.resume(5);
    assert!(actions.is_empty());
    assert!(matches!(
        s.link().map(|l| &l.token_state),
        Some(TokenState::Spent { .. })
    ));
    assert_eq!(
        s.apply(Input::RequestLink).unwrap(),
        vec![Effect::IssueLink]
    );
}

#[test]
fn answers_that_name_no_asset_match_by_position_and_a_final_task_leaves_none_waiting() {
    let mut s = session();
    verified(&mut s);
    s.apply(urls(&["a", "b", "c"])).unwrap();
    checks_pass(&mut s);
    s.apply(Input::Submit).unwrap();
    s.apply(Input::SubmitResult {
        assets: vec![1, 2, 3],
        outcome: SubmitOutcome::Accepted("r1".into()),
    })
    .unwrap();
    // The documented shape: asset_id, asset_url, status; no name, no url.
    let bare = |status: AssetStatus| ReviewItem {
        status,
        asset_url: Some("asset://x".into()),
        ..ReviewItem::default()
    };
    s.apply(Input::ReviewUpdate {
        task_id: "r1".into(),
        items: vec![bare(AssetStatus::Active), bare(AssetStatus::Failed)],
        done: true,
        error: Some("1 of 3 assets failed review".into()),
    })
    .unwrap();
    let states: Vec<&str> = s.assets.iter().map(|a| a.state.word()).collect();
    assert_eq!(states, ["active", "failed", "failed"]);
    assert!(
        matches!(&s.assets[2].state, AssetState::Failed { code: Some(c), .. } if c == NO_VERDICT)
    );
    assert_eq!(s.stage(), Stage::FinishedPartly);
}

#[test]
fn a_row_whose_request_was_not_sent_goes_with_the_next_submit() {
    let mut s = session();
    verified(&mut s);
    s.apply(urls(&["a"])).unwrap();
    checks_pass(&mut s);
    s.apply(Input::Submit).unwrap();
    s.apply(Input::SubmitResult {
        assets: vec![1],
        outcome: SubmitOutcome::Refused(Msg::verbatim("no")),
    })
    .unwrap();
    s.apply(Input::Resubmit(1)).unwrap();
    s.apply(Input::SubmitResult {
        assets: vec![1],
        outcome: SubmitOutcome::NotSent,
    })
    .unwrap();
    let a = s.apply(Input::Submit).unwrap();
    assert!(matches!(a.as_slice(), [Effect::Submit { .. }]), "{a:?}");
}

mod properties;
mod queue;
