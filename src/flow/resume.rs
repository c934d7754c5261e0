//! After a restart: interrupted work becomes honest states, then the safe actions run again.

use crate::text::Msg;

use super::{AssetState, Check, Effect, Input, Millis, Session, TokenState, Verification};

impl Session {
    /// What to do after a restart. Pure: interrupted work is turned into honest states first
    /// (an interrupted submit becomes `Uncertain`; a token asked for without an answer is
    /// spent), then the actions that are safe to repeat are returned.
    pub fn resume(&mut self, now: Millis) -> Vec<Effect> {
        if self.cancelled {
            return self.resume_renders();
        }
        let mut actions = Vec::new();
        match &self.verification {
            Verification::Issuing => actions.push(Effect::IssueLink),
            Verification::Link(link) if matches!(link.token_state, TokenState::Used { .. }) => {
                let link = link.clone();
                self.spend(link, Msg::new("verify-stopped"));
            }
            Verification::Following { task_id, .. } => actions.push(Effect::FollowVerification {
                task_id: task_id.clone(),
            }),
            _ => {}
        }
        let _ = self.apply(Input::Tick(now));
        let since_task = self.review_tasks.len();
        for a in &mut self.assets {
            match &a.state {
                AssetState::Uploading { .. } => a.state = AssetState::Staged,
                AssetState::Submitting { url } => {
                    a.state = AssetState::Uncertain {
                        url: url.clone(),
                        reason: Msg::new("submit-stopped"),
                        since_task,
                    };
                }
                _ => {}
            }
        }
        let mut polled = Vec::new();
        for a in self.assets.iter().filter(|a| a.is_current()) {
            if let AssetState::Submitted { task_id, .. } = &a.state
                && !polled.contains(task_id)
            {
                polled.push(task_id.clone());
            }
        }
        actions.extend(
            polled
                .into_iter()
                .map(|task_id| Effect::PollReview { task_id }),
        );
        // Checks that were running are run again (a kept prepared copy makes them cheap).
        actions.extend(
            self.current_assets()
                .filter(|a| a.check == Check::Pending)
                .map(|a| Effect::Check {
                    asset: a.id,
                    source: a.source.clone(),
                    kind: a.kind,
                }),
        );
        actions.extend(self.advance_queue());
        actions.extend(self.resume_renders());
        actions
    }
}
