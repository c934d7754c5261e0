//! The review: submit answers and review task readings merged into the rows, and what staff
//! should do about a failure.

use crate::api::{AssetStatus, ReviewItem};
use crate::text::Msg;

use super::{Asset, AssetId, AssetState, Effect, Refusal, Session, SubmitOutcome};

/// The failure code given to rows a finished review task said nothing about.
pub const NO_VERDICT: &str = "NoVerdict";

/// What staff should do about a review failure, from the upstream code and message.
pub fn review_advice(code: Option<&str>, message: Option<&str>) -> Msg {
    let what = Msg::new(match code.unwrap_or_default() {
        "FaceMismatch" => "reason-face-mismatch",
        "MultipleFaces" => "reason-multiple-faces",
        "FetchFailed" => "reason-fetch-failed",
        "NoFace" => "reason-no-face",
        NO_VERDICT => "reason-no-verdict",
        _ => "reason-other",
    });
    match message.filter(|m| !m.trim().is_empty()) {
        Some(m) => Msg::new("reason-with-detail")
            .msg("what", what)
            .text("detail", m),
        None => what,
    }
}

impl Session {
    pub(super) fn submit_result(
        &mut self,
        ids: &[AssetId],
        outcome: SubmitOutcome,
    ) -> Result<Vec<Effect>, Refusal> {
        let mut actions = Vec::new();
        if let SubmitOutcome::Accepted(task) = &outcome
            && !self.review_tasks.contains(task)
        {
            self.review_tasks.push(task.clone());
            actions.push(Effect::PollReview {
                task_id: task.clone(),
            });
        }
        let since_task = self.review_tasks.len();
        for id in ids {
            let a = self.asset_mut(*id)?;
            let AssetState::Submitting { url } = &a.state else {
                continue;
            };
            let url = url.clone();
            a.state = match &outcome {
                SubmitOutcome::Accepted(task_id) => AssetState::Submitted {
                    url,
                    task_id: task_id.clone(),
                },
                SubmitOutcome::Refused(reason) => AssetState::Refused {
                    reason: reason.clone(),
                },
                SubmitOutcome::Lost(reason) => AssetState::Uncertain {
                    url,
                    reason: reason.clone(),
                    since_task,
                },
                SubmitOutcome::NotSent => {
                    // Never reached APIMart: it may go with the next submit.
                    a.submissions = a.submissions.saturating_sub(1);
                    AssetState::Uploaded { url }
                }
            };
        }
        Ok(actions)
    }

    pub(super) fn review_update(
        &mut self,
        task_id: &str,
        items: &[ReviewItem],
        done: bool,
        error: Option<&str>,
    ) {
        let task_index = self.review_tasks.iter().position(|t| t == task_id);
        // The task's own rows in submit order, for answers that name no asset.
        let own: Vec<AssetId> = self
            .assets
            .iter()
            .filter(
                |a| matches!(&a.state, AssetState::Submitted { task_id: t, .. } if t == task_id),
            )
            .map(|a| a.id)
            .collect();
        for (position, item) in items.iter().enumerate() {
            let anonymous = item.name.is_none() && item.url.is_none();
            let matches_item = |a: &Asset, url: &str| {
                item.name.as_deref() == Some(a.name.as_str())
                    || (item.name.is_none() && item.url.as_deref() == Some(url))
                    || (anonymous && own.get(position) == Some(&a.id))
            };
            let target = self.assets.iter_mut().find(|a| match &a.state {
                AssetState::Submitted { url, task_id: t } => t == task_id && matches_item(a, url),
                // Reconciliation: a lost answer's assets may show up in a task created after
                // the loss (never in one that judged an earlier submission of the same row).
                AssetState::Uncertain {
                    url, since_task, ..
                } => {
                    !anonymous
                        && task_index.is_some_and(|i| i >= *since_task)
                        && matches_item(a, url)
                }
                _ => false,
            });
            let Some(a) = target else { continue };
            match &item.status {
                AssetStatus::Active => {
                    a.state = AssetState::Active {
                        asset_url: item.asset_url.clone().unwrap_or_default(),
                        asset_id: item.asset_id.clone(),
                    };
                }
                AssetStatus::Failed => {
                    let f = item.failure();
                    a.state = AssetState::Failed {
                        code: f.as_ref().and_then(|f| f.code.clone()),
                        message: f.and_then(|f| f.message),
                    };
                }
                AssetStatus::Processing | AssetStatus::Unknown(_) => {
                    if let AssetState::Uncertain { url, .. } = &a.state {
                        a.state = AssetState::Submitted {
                            url: url.clone(),
                            task_id: task_id.to_string(),
                        };
                    }
                }
            }
        }
        if done {
            // A final task that gave some rows no verdict will not give one later.
            for a in &mut self.assets {
                if matches!(&a.state, AssetState::Submitted { task_id: t, .. } if t == task_id) {
                    a.state = AssetState::Failed {
                        code: Some(NO_VERDICT.into()),
                        message: error.map(str::to_string),
                    };
                }
            }
        }
    }

    /// A review task the upstream no longer knows: its rows still waiting become uncertain
    /// (reconciled by a later task that names them, else resubmitted by staff).
    pub(super) fn review_unknown(&mut self, task_id: &str) {
        let since_task = self.review_tasks.len();
        for a in &mut self.assets {
            if let AssetState::Submitted { url, task_id: t } = &a.state
                && t == task_id
            {
                a.state = AssetState::Uncertain {
                    url: url.clone(),
                    reason: Msg::new("review-task-unknown").text("task", task_id),
                    since_task,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A review task the upstream forgot: its rows without a verdict become uncertain (they
    /// can be submitted again); rows of other tasks and rows with a verdict stay as they are.
    #[test]
    fn an_unknown_review_task_leaves_its_waiting_rows_uncertain() {
        let mut s = crate::flow::sample::reviewed_session("s", "P", 3, 0);
        let submitted = |task: &str| AssetState::Submitted {
            url: "https://x/a.jpg".into(),
            task_id: task.into(),
        };
        s.assets[0].state = submitted("gone");
        s.assets[1].state = submitted("other");
        let before = s.assets[2].state.clone();
        s.review_unknown("gone");
        assert!(
            matches!(&s.assets[0].state, AssetState::Uncertain { reason, .. } if reason.id() == "review-task-unknown")
        );
        assert_eq!(s.assets[1].state, submitted("other"));
        assert_eq!(s.assets[2].state, before);
    }
}
