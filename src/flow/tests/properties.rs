//! Properties over random event sequences: the three rules hold whatever order inputs arrive in.

use proptest::prelude::*;

use super::*;

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

fn submit_result_input(s: &Session, p: u8, outcome: u8) -> Input {
    let submitting: Vec<AssetId> = s
        .assets
        .iter()
        .filter(|a| matches!(a.state, AssetState::Submitting { .. }))
        .map(|a| a.id)
        .collect();
    let ids = if submitting.is_empty() {
        vec![pick(s, p)]
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

fn review_input(s: &Session, p: u8, status: u8) -> Input {
    let target = s.assets.get(usize::from(p) % s.assets.len().max(1));
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
        Step::SubmitResult { pick: p, outcome } => submit_result_input(s, *p, *outcome),
        Step::Review { pick: p, status } => review_input(s, *p, *status),
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
                    Effect::QueryVerification { token } => {
                        prop_assert!(signalled.contains(token), "asked with {token} before any completion signal");
                        let n = queried.entry(token.clone()).or_default();
                        *n += 1;
                        prop_assert!(*n <= 1, "token {token} asked for twice");
                    }
                    Effect::Submit { assets, .. } => {
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
