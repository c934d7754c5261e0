//! Submitting assets to a verified group, in requests of at most twenty of one kind.

use serde_json::json;

use super::*;

/// Splits assets into submit requests: one asset kind per request, at most
/// [`MAX_ASSETS_PER_SUBMIT`] each, in the order given (images first when both appear, as they
/// are found in the list).
pub fn plan_batches(assets: &[AssetInput]) -> Vec<(AssetKind, Vec<AssetInput>)> {
    let mut kinds: Vec<AssetKind> = Vec::new();
    for a in assets {
        if !kinds.contains(&a.kind) {
            kinds.push(a.kind);
        }
    }
    let mut out = Vec::new();
    for kind in kinds {
        let of_kind: Vec<AssetInput> = assets.iter().filter(|a| a.kind == kind).cloned().collect();
        for chunk in of_kind.chunks(MAX_ASSETS_PER_SUBMIT) {
            out.push((kind, chunk.to_vec()));
        }
    }
    out
}

/// What became of one submit request.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchState {
    /// Accepted: a review task to poll.
    Accepted(TaskRef),
    /// Refused for sure (the server answered with an error): nothing was created.
    Refused(ApiError),
    /// The answer was lost (timeout, broken connection, 5xx, unreadable body): the request may
    /// have been accepted. Never send it again blindly; reconcile by reading tasks.
    Uncertain(ApiError),
    /// Not sent, because an earlier request of the same submit failed.
    NotSent,
}

/// One request of a submit.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitBatch {
    /// The `asset_type` of the request.
    pub kind: AssetKind,
    /// The assets it carried.
    pub assets: Vec<AssetInput>,
    /// What happened to it.
    pub state: BatchState,
}

impl Client {
    /// Step 3 for one request: at most [`MAX_ASSETS_PER_SUBMIT`] assets of one kind. Never
    /// retried blindly: only a 429 (refused before anything was done) is sent again. Prefer
    /// [`Client::submit_assets`], which splits and classifies.
    pub async fn submit_batch(
        &self,
        group_id: &str,
        project: &str,
        kind: AssetKind,
        assets: &[AssetInput],
    ) -> Result<TaskRef, ApiError> {
        let list: Vec<Value> = assets
            .iter()
            .map(|a| json!({ "url": a.url, "name": a.name }))
            .collect();
        let body = json!({
            "group_id": group_id,
            "project_name": project,
            "asset_type": kind.as_str(),
            "assets": list,
        });
        let data = self
            .retrying_refusals("submit", || {
                self.post_json("/v1/seedance2/real-avatar", &body)
            })
            .await?;
        parse_data(data)
    }

    /// Step 3: submits assets to the person's group, split by kind and into requests of at
    /// most 20. Stops at the first request that fails; the ones after it are `NotSent`.
    pub async fn submit_assets(
        &self,
        group_id: &str,
        project: &str,
        assets: &[AssetInput],
    ) -> Vec<SubmitBatch> {
        let mut out = Vec::new();
        let mut stopped = false;
        for (kind, batch) in plan_batches(assets) {
            let state = if stopped {
                BatchState::NotSent
            } else {
                match self.submit_batch(group_id, project, kind, &batch).await {
                    Ok(task) => BatchState::Accepted(task),
                    Err(e) => {
                        stopped = true;
                        // A request never sent (Unreachable) is refused for sure, like a 4xx.
                        if answer_may_be_lost(&e) {
                            BatchState::Uncertain(e)
                        } else {
                            BatchState::Refused(e)
                        }
                    }
                }
            };
            out.push(SubmitBatch {
                kind,
                assets: batch,
                state,
            });
        }
        out
    }
}
