//! The demo's review tasks kept in its data folder: a demo stopped while the upstream reviews
//! (Ctrl+C, a crash) starts a new simulator, which reads them back, so `resume` follows the
//! review to its end as it would against APIMart, whose tasks outlive any desk.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Review, ReviewAsset, Shared, TaskKind};

/// Reviews older than this are not kept: the engine stops following a review long before.
const KEEP_FOR_MS: i64 = 24 * 60 * 60 * 1000;
/// At most this many (the newest).
const KEEP_AT_MOST: usize = 500;

#[derive(Serialize, Deserialize)]
struct Kept {
    id: String,
    created_ms: i64,
    assets: Vec<ReviewAsset>,
}

/// Reads the kept reviews back into a new simulator's state. A missing or unreadable file
/// is an empty one (the demo goes on; only its earlier reviews are unknown).
pub(super) fn read_back(shared: &Shared) {
    let Some(path) = &shared.config.reviews_file else {
        return;
    };
    let kept: Vec<Kept> = match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(
                "the demo's earlier reviews could not be read ({e}): starting without them"
            );
            Vec::new()
        }),
        Err(_) => Vec::new(),
    };
    let now_ms = crate::clock::now_ms();
    let now = shared.now();
    let mut st = shared.state();
    for k in kept {
        let age = u64::try_from(now_ms.saturating_sub(k.created_ms)).unwrap_or(0);
        st.tasks.insert(
            k.id,
            TaskKind::Review(Review {
                created: now,
                head_start: Duration::from_millis(age),
                created_ms: k.created_ms,
                assets: k.assets,
            }),
        );
    }
}

/// Writes every review this simulator knows (a new one was just made). Called with the state
/// locked, so two writers never interleave; written whole, then renamed over the old file.
pub(super) fn write(shared: &Shared, tasks: &std::collections::HashMap<String, TaskKind>) {
    let Some(path) = &shared.config.reviews_file else {
        return;
    };
    let now_ms = crate::clock::now_ms();
    let mut kept: Vec<Kept> = tasks
        .iter()
        .filter_map(|(id, task)| match task {
            TaskKind::Review(r) if now_ms.saturating_sub(r.created_ms) < KEEP_FOR_MS => {
                Some(Kept {
                    id: id.clone(),
                    created_ms: r.created_ms,
                    assets: r.assets.clone(),
                })
            }
            _ => None,
        })
        .collect();
    kept.sort_by_key(|k| std::cmp::Reverse(k.created_ms));
    kept.truncate(KEEP_AT_MOST);
    let written = serde_json::to_vec(&kept)
        .map_err(std::io::Error::other)
        .and_then(|bytes| {
            let tmp = path.with_extension("tmp");
            crate::platform::private::write(&tmp, &bytes)?;
            std::fs::rename(&tmp, path)
        });
    if let Err(e) = written {
        tracing::warn!(
            "the demo's reviews could not be kept in {}: {e}",
            path.display()
        );
    }
}
