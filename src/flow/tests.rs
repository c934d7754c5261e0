//! The state machine's rules, as examples and as properties over random event sequences.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;
use crate::api::{AssetStatus, ReviewItem};

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
fn checks_pass(s: &mut Session) -> Vec<Action> {
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
        vec![Action::IssueLink]
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
    assert_eq!(a, vec![Action::QueryVerification { token: "t1".into() }]);
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
        vec![Action::Upload {
            asset: 1,
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
    let [Action::Submit { assets, .. }] = a.as_slice() else {
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
        vec![Action::PollReview {
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
        vec![Action::IssueLink]
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
        vec![Action::IssueLink]
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
        matches!(a.as_slice(), [Action::Check { asset: 3, .. }]),
        "the replacement is checked before it goes: {a:?}"
    );
    let a = checks_pass(&mut s);
    let [Action::Submit { assets, .. }] = a.as_slice() else {
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
        vec![Action::Upload {
            asset: 2,
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
        vec![Action::IssueLink]
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
    assert!(matches!(a.as_slice(), [Action::Submit { .. }]), "{a:?}");
}

/// Abstract steps; turned into inputs against the current session so that ids and tokens
/// are often (not always) the live ones.
#[derive(Debug, Clone)]
enum Step {
    RequestLink,
    LinkReady,
    LinkFailed,
    Callback { pass: bool, right_token: bool },
    Confirm,
    Answer(u8),
    VerError,
    VerNotSent,
    Add { file: bool },
    Checked { pick: u8, ok: bool },
    Remove(u8),
    Submit,
    Uploaded(u8),
    UploadFailed(u8),
    SubmitResult { pick: u8, outcome: u8 },
    Review { pick: u8, status: u8 },
    Resubmit(u8),
    Replace(u8),
    Tick(u16),
    Cancel,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => Just(Step::RequestLink),
        3 => Just(Step::LinkReady),
        1 => Just(Step::LinkFailed),
        3 => (any::<bool>(), any::<bool>()).prop_map(|(pass, right_token)| Step::Callback { pass, right_token }),
        2 => Just(Step::Confirm),
        3 => (0u8..4).prop_map(Step::Answer),
        1 => Just(Step::VerError),
        1 => Just(Step::VerNotSent),
        3 => any::<bool>().prop_map(|file| Step::Add { file }),
        4 => (any::<u8>(), prop::bool::weighted(0.8)).prop_map(|(pick, ok)| Step::Checked { pick, ok }),
        1 => any::<u8>().prop_map(Step::Remove),
        3 => Just(Step::Submit),
        3 => any::<u8>().prop_map(Step::Uploaded),
        1 => any::<u8>().prop_map(Step::UploadFailed),
        4 => (any::<u8>(), 0u8..4).prop_map(|(pick, outcome)| Step::SubmitResult { pick, outcome }),
        4 => (any::<u8>(), 0u8..3).prop_map(|(pick, status)| Step::Review { pick, status }),
        2 => any::<u8>().prop_map(Step::Resubmit),
        1 => any::<u8>().prop_map(Step::Replace),
        1 => (0u16..200).prop_map(Step::Tick),
        1 => prop::bool::weighted(0.05).prop_map(|c| if c { Step::Cancel } else { Step::Submit }),
    ]
}

fn pick(s: &Session, n: u8) -> AssetId {
    if s.assets.is_empty() {
        return u32::from(n);
    }
    s.assets[usize::from(n) % s.assets.len()].id
}

fn to_input(s: &Session, step: &Step, tokens: &mut u32, now: &mut Millis) -> Input {
    let current_token = s.link().map(|l| l.token.clone());
    match step {
        Step::RequestLink => Input::RequestLink,
        Step::LinkReady => {
            *tokens += 1;
            Input::LinkReady {
                task_id: format!("task{tokens}"),
                h5_link: format!("https://h5/{tokens}"),
                token: format!("tok{tokens}"),
                issued_at: *now,
                expires_at: *now + 120_000,
                callback_key: Some(format!("key{tokens}")),
            }
        }
        Step::LinkFailed => Input::LinkFailed {
            reason: Msg::verbatim("x"),
        },
        Step::Callback { pass, right_token } => Input::PhoneCallback {
            result_code: if *pass { "10000" } else { "10001" }.into(),
            token: if *right_token {
                current_token
            } else {
                Some("stale".into())
            },
            message: None,
            callback_key: None,
        },
        Step::Confirm => Input::StaffConfirmed,
        Step::Answer(k) => Input::VerificationAnswer(match k {
            0 => VerificationOutcome::Verified {
                group_id: "g".into(),
            },
            1 => VerificationOutcome::NotReady,
            2 => VerificationOutcome::Failed {
                reason: Msg::verbatim("no"),
            },
            _ => VerificationOutcome::Pending {
                task_id: "vt".into(),
            },
        }),
        Step::VerNotSent => Input::VerificationNotSent {
            reason: Msg::verbatim("offline"),
        },
        Step::VerError => Input::VerificationError {
            reason: Msg::verbatim("lost"),
        },
        Step::Add { file } => {
            let n = s.next_asset_id;
            let source = if *file {
                AssetSource::File {
                    path: format!("/p/{n}.jpg").into(),
                }
            } else {
                AssetSource::Url {
                    url: format!("https://c/{n}.jpg"),
                }
            };
            Input::AddAssets(vec![(format!("a{n}"), source, AssetKind::Image)])
        }
        Step::Checked { pick: p, ok } => {
            let asset = pick(s, *p);
            Input::Checked {
                asset,
                result: if *ok {
                    Ok(Some(format!("h{}", asset % 5)))
                } else {
                    Err(Msg::verbatim("unreadable"))
                },
            }
        }
        Step::Remove(n) => Input::Remove(pick(s, *n)),
        Step::Submit => Input::Submit,
        Step::Uploaded(n) => Input::Uploaded {
            asset: pick(s, *n),
            url: "https://u/x".into(),
        },
        Step::UploadFailed(n) => Input::UploadFailed {
            asset: pick(s, *n),
            reason: Msg::verbatim("x"),
        },
        Step::SubmitResult { pick: p, outcome } => {
            let submitting: Vec<AssetId> = s
                .assets
                .iter()
                .filter(|a| matches!(a.state, AssetState::Submitting { .. }))
                .map(|a| a.id)
                .collect();
            let ids = if submitting.is_empty() {
                vec![pick(s, *p)]
            } else {
                submitting
            };
            let task = format!("r{}", s.review_tasks.len() + 1);
            Input::SubmitResult {
                assets: ids,
                outcome: match outcome {
                    0 => SubmitOutcome::Accepted(task),
                    1 => SubmitOutcome::Refused(Msg::verbatim("no")),
                    2 => SubmitOutcome::Lost(Msg::verbatim("lost")),
                    _ => SubmitOutcome::NotSent,
                },
            }
        }
        Step::Review { pick: p, status } => {
            let target = s.assets.get(usize::from(*p) % s.assets.len().max(1));
            let task = match target.map(|a| &a.state) {
                Some(AssetState::Submitted { task_id, .. }) => task_id.clone(),
                _ => s
                    .review_tasks
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "r1".into()),
            };
            let name = target.map(|a| a.name.clone()).unwrap_or_default();
            let status = match status {
                0 => AssetStatus::Active,
                1 => AssetStatus::Failed,
                _ => AssetStatus::Processing,
            };
            Input::ReviewUpdate {
                task_id: task,
                items: vec![item(&name, status)],
                done: false,
                error: None,
            }
        }
        Step::Resubmit(n) => Input::Resubmit(pick(s, *n)),
        Step::Replace(n) => Input::Replace {
            asset: pick(s, *n),
            name: "r".into(),
            source: AssetSource::Url {
                url: "https://c/r.jpg".into(),
            },
            kind: AssetKind::Image,
        },
        Step::Tick(secs) => {
            *now += i64::from(*secs) * 1000;
            Input::Tick(*now)
        }
        Step::Cancel => Input::Cancel,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_three_rules_hold_whatever_happens(steps in prop::collection::vec(step(), 1..80), restart_at in any::<u8>()) {
        let mut s = session();
        let mut tokens = 0u32;
        let mut now: Millis = 0;
        // Rule 1 bookkeeping.
        let mut signalled: HashSet<String> = HashSet::new();
        let mut queried: HashMap<String, u32> = HashMap::new();
        // Rules 2 and 3 bookkeeping.
        let mut submits: HashMap<AssetId, u32> = HashMap::new();
        let mut explicit: HashMap<AssetId, u32> = HashMap::new();
        let mut uncertain_since: HashSet<AssetId> = HashSet::new();

        for (i, st) in steps.iter().enumerate() {
            let input = to_input(&s, st, &mut tokens, &mut now);
            let token_before = s.link().filter(|l| l.token_state == TokenState::Waiting).map(|l| l.token.clone());
            let applied = s.apply(input.clone());
            let mut actions = match applied {
                Ok(a) => a,
                Err(_) => continue,
            };
            match &input {
                Input::PhoneCallback { result_code, .. } if result_code == "10000" => {
                    if let Some(t) = &token_before { signalled.insert(t.clone()); }
                }
                Input::StaffConfirmed => {
                    if let Some(t) = &token_before { signalled.insert(t.clone()); }
                }
                Input::VerificationNotSent { .. } => {
                    // The request never reached the upstream: the token is unused again, and
                    // asking again needs a new completion signal.
                    if let Some(t) = s.link().map(|l| l.token.clone()) {
                        signalled.remove(&t);
                        if let Some(n) = queried.get_mut(&t) { *n = n.saturating_sub(1); }
                    }
                }
                Input::Resubmit(id) => {
                    *explicit.entry(*id).or_default() += 1;
                    uncertain_since.remove(id);
                }
                Input::Replace { .. } => {
                    // The replacement is a new row: its first submit is its own.
                }
                Input::SubmitResult { assets, outcome: SubmitOutcome::Lost(_) } => {
                    for id in assets {
                        if s.assets.iter().any(|a| a.id == *id && matches!(a.state, AssetState::Uncertain { .. })) {
                            uncertain_since.insert(*id);
                        }
                    }
                }
                Input::SubmitResult { assets, outcome: SubmitOutcome::NotSent } => {
                    // Never reached APIMart: does not count as a submission.
                    for id in assets {
                        if let Some(n) = submits.get_mut(id)
                            && s.assets.iter().any(|a| a.id == *id && matches!(a.state, AssetState::Uploaded { .. }))
                        {
                            *n = n.saturating_sub(1);
                        }
                    }
                }
                _ => {}
            }
            if i == usize::from(restart_at) % steps.len() {
                // A crash and restart in the middle.
                actions.extend(s.resume(now));
            }
            for action in &actions {
                match action {
                    Action::QueryVerification { token } => {
                        prop_assert!(signalled.contains(token), "asked with {token} before any completion signal");
                        let n = queried.entry(token.clone()).or_default();
                        *n += 1;
                        prop_assert!(*n <= 1, "token {token} asked for twice");
                    }
                    Action::Submit { assets, .. } => {
                        for (id, _) in assets {
                            prop_assert!(!s.assets.iter().any(|a| a.id == *id && a.is_blocked()), "blocked asset {id} sent");
                            prop_assert!(!uncertain_since.contains(id), "uncertain asset {id} sent again without resubmit");
                            let n = submits.entry(*id).or_default();
                            *n += 1;
                            let allowed = 1 + explicit.get(id).copied().unwrap_or(0);
                            prop_assert!(*n <= allowed, "asset {id} submitted {n} times, allowed {allowed}");
                        }
                    }
                    _ => {}
                }
            }
            // The stage is always computable, and a final stage is stable under ticks.
            let stage = s.stage();
            if stage.is_final() {
                let mut t = s.clone();
                let _ = t.apply(Input::Tick(now + 1_000_000));
                prop_assert_eq!(t.stage(), stage);
            }
        }
    }
}

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
    assert_eq!(a, vec![Action::QueryVerification { token: "t1".into() }]);
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

fn verify_now(s: &mut Session) -> Vec<Action> {
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
    assert!(a.iter().all(|a| matches!(a, Action::Check { .. })), "{a:?}");
    s.apply(urls(&["u"])).unwrap();
    let a = checks_pass(&mut s);
    let uploads = a
        .iter()
        .filter(|a| matches!(a, Action::Upload { .. }))
        .count();
    assert_eq!(uploads, 2, "no group id is needed to upload: {a:?}");
    for asset in [1, 2] {
        let url = format!("https://u/{asset}");
        assert!(s.apply(Input::Uploaded { asset, url }).unwrap().is_empty());
    }
    assert_eq!(s.stage(), Stage::Verify);
    let a = verify_now(&mut s);
    let [Action::Submit { assets, .. }] = a.as_slice() else {
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
    let [Action::Submit { assets, .. }] = a.as_slice() else {
        panic!("{a:?}")
    };
    assert_eq!(assets.len(), 20, "a full request goes at once");
    let mut rest = Vec::new();
    for asset in 22..=25 {
        let url = format!("https://u/{asset}");
        rest.extend(s.apply(Input::Uploaded { asset, url }).unwrap());
    }
    let [Action::Submit { assets, .. }] = rest.as_slice() else {
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
    let [Action::Submit { assets, .. }] = a.as_slice() else {
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
