//! Sample sessions for tests, benchmarks and screenshots: made in memory, never sent anywhere.

use super::{Asset, AssetSource, AssetState, Check, Millis, Session, Verification};
use crate::api::{AssetKind, Language};

/// A verified, finished session for `person` with `rows` URL assets: every fourth one refused
/// by review (`FaceMismatch`), the others approved.
pub fn reviewed_session(id: &str, person: &str, rows: u32, at: Millis) -> Session {
    let mut s = Session::new(
        id.to_string(),
        person.to_string(),
        String::new(),
        "default".into(),
        Language::En,
        at,
    );
    s.verification = Verification::Verified {
        group_id: format!("group-{id}"),
    };
    for i in 0..rows {
        let state = if i % 4 == 3 {
            AssetState::Failed {
                code: Some("FaceMismatch".into()),
                message: None,
            }
        } else {
            AssetState::Active {
                asset_url: format!("asset://sample-{i:04}"),
                asset_id: Some(format!("sample-{i:04}")),
            }
        };
        s.assets.push(Asset {
            id: i,
            name: format!("row-{i:04}"),
            source: AssetSource::Url {
                url: format!("https://cdn.example/sample/{i:04}.jpg"),
            },
            kind: AssetKind::Image,
            state,
            queued: false,
            removed: false,
            replaced_by: None,
            submissions: 1,
            check: Check::default(),
            approved_at: None,
            hosted: None,
            hints: Vec::new(),
        });
    }
    s.next_asset_id = rows;
    s
}

/// One of each row state, for tests that must hold for every state.
pub fn every_state() -> Vec<AssetState> {
    let reason = || crate::text::Msg::verbatim("r");
    vec![
        AssetState::Staged,
        AssetState::Uploading { sent: 1, total: 2 },
        AssetState::Uploaded { url: "u".into() },
        AssetState::UploadFailed { reason: reason() },
        AssetState::Submitting { url: "u".into() },
        AssetState::Submitted {
            url: "u".into(),
            task_id: "t".into(),
        },
        AssetState::Uncertain {
            url: "u".into(),
            reason: reason(),
            since_task: 0,
        },
        AssetState::Refused { reason: reason() },
        AssetState::Active {
            asset_url: "asset://a".into(),
            asset_id: None,
        },
        AssetState::Failed {
            code: None,
            message: None,
        },
    ]
}
