//! The send queue: pre-send verdicts, uploads that start as soon as a prepared copy exists
//! (the upload endpoint needs no group id), and submits that leave the moment the group id is
//! known, in requests of at most [`MAX_ASSETS_PER_SUBMIT`] of one kind.

use crate::api::{AssetInput, AssetKind, MAX_ASSETS_PER_SUBMIT};
use crate::text::Msg;

use super::{Asset, AssetId, AssetSource, AssetState, Check, Effect, Refusal, Session};

/// A row waits in the queue for its check or its upload.
fn waiting(a: &Asset) -> bool {
    a.queued
        && a.is_current()
        && !a.is_blocked()
        && matches!(a.state, AssetState::Staged | AssetState::Uploading { .. })
}

impl Session {
    /// Rows added to the session: checked first; rows added before verification go with the
    /// first submit, the moment the group id arrives.
    pub(super) fn add_rows(&mut self, list: Vec<(String, AssetSource, AssetKind)>) -> Vec<Effect> {
        let first_round = self.group_id().is_none();
        let mut actions = Vec::new();
        for (name, source, kind) in list {
            let id = self.push_asset(&name, source.clone(), kind);
            if let Ok(a) = self.asset_mut(id) {
                a.queued = first_round;
            }
            actions.push(Effect::Check {
                asset: id,
                source,
                kind,
            });
        }
        actions
    }

    /// The camera's hints for the current row from `source`.
    pub(super) fn set_hints(
        &mut self,
        source: &AssetSource,
        hints: Vec<Msg>,
    ) -> Result<Vec<Effect>, Refusal> {
        let row = self
            .assets
            .iter_mut()
            .rev()
            .find(|a| a.is_current() && a.source == *source)
            .ok_or(Refusal::NotNow("refusal-asset-gone"))?;
        row.hints = hints;
        Ok(vec![])
    }

    /// A row's pre-send check finished.
    pub(super) fn checked(
        &mut self,
        id: AssetId,
        result: Result<Option<String>, Msg>,
    ) -> Result<Vec<Effect>, Refusal> {
        // The same content as another current row is a duplicate, whatever the file is called.
        let duplicate_of = match &result {
            Ok(Some(hash)) => self
                .current_assets()
                .find(|o| {
                    o.id != id && matches!(&o.check, Check::Ready { hash: Some(h) } if h == hash)
                })
                .map(|o| o.name.clone()),
            _ => None,
        };
        let a = self.asset_mut(id)?;
        if a.check != Check::Pending {
            return Err(Refusal::NotNow("refusal-not-checking"));
        }
        a.check = match (result, duplicate_of) {
            (Ok(_), Some(other)) => Check::Blocked {
                reason: Msg::new("media-duplicate").text("other", other),
            },
            (Ok(hash), None) => Check::Ready { hash },
            (Err(reason), _) => Check::Blocked { reason },
        };
        if a.is_blocked() {
            a.queued = false;
        }
        Ok(self.advance_queue())
    }

    /// Staff submit every row not yet sent; blocked rows stay behind.
    pub(super) fn submit(&mut self) -> Result<Vec<Effect>, Refusal> {
        if self.group_id().is_none() {
            return Err(Refusal::NotNow("refusal-not-verified"));
        }
        let mut any = false;
        let mut held = false;
        for a in self.assets.iter_mut().filter(|a| a.is_current()) {
            // Staged rows never sent, and uploaded rows whose request was not sent (a
            // resubmitted row is queued by the resubmit itself).
            let fresh = (a.submissions == 0
                && matches!(a.state, AssetState::Staged | AssetState::Uploading { .. }))
                || matches!(a.state, AssetState::Uploaded { .. });
            if !fresh || a.queued {
                continue;
            }
            if a.is_blocked() {
                held = true;
            } else {
                a.queued = true;
                any = true;
            }
        }
        if !any {
            return Err(Refusal::NotNow(if held {
                "refusal-only-blocked"
            } else {
                "refusal-nothing-to-submit"
            }));
        }
        Ok(self.advance_queue())
    }

    /// Starts what can start: the upload of every checked local file not yet sent (queued or
    /// not, verified or not), URL rows once verified, then the submit.
    pub(super) fn advance_queue(&mut self) -> Vec<Effect> {
        let verified = self.group_id().is_some();
        let mut actions = Vec::new();
        for a in self
            .assets
            .iter_mut()
            .filter(|a| a.is_current() && a.state == AssetState::Staged)
        {
            let Check::Ready { hash } = &a.check else {
                continue;
            };
            // A row sent before goes again only when staff queue it (resubmit).
            if !(a.queued || a.submissions == 0) {
                continue;
            }
            match &a.source {
                AssetSource::File { path } => {
                    actions.push(Effect::Upload {
                        asset: a.id,
                        kind: a.kind,
                        path: path.clone(),
                        hash: hash.clone(),
                    });
                    a.state = AssetState::Uploading { sent: 0, total: 0 };
                }
                AssetSource::Url { url } if a.queued && verified => {
                    a.state = AssetState::Uploaded { url: url.clone() };
                }
                AssetSource::Url { .. } => {}
            }
        }
        actions.extend(self.maybe_submit());
        actions
    }

    /// Submits queued rows that have a URL. While others still wait for their check or upload,
    /// only full requests go (no request is split for want of a few rows); once none waits,
    /// the rest goes.
    pub(super) fn maybe_submit(&mut self) -> Vec<Effect> {
        let Some(group_id) = self.group_id().map(str::to_string) else {
            return vec![];
        };
        let still_waiting = self.assets.iter().any(waiting);
        let mut per_kind: Vec<(AssetKind, Vec<usize>)> = Vec::new();
        for (i, a) in self.assets.iter().enumerate() {
            if a.queued && a.is_current() && matches!(a.state, AssetState::Uploaded { .. }) {
                match per_kind.iter_mut().find(|(k, _)| *k == a.kind) {
                    Some((_, rows)) => rows.push(i),
                    None => per_kind.push((a.kind, vec![i])),
                }
            }
        }
        let mut chosen: Vec<usize> = Vec::new();
        for (_, rows) in per_kind {
            let take = if still_waiting {
                rows.len() - rows.len() % MAX_ASSETS_PER_SUBMIT
            } else {
                rows.len()
            };
            chosen.extend(rows.into_iter().take(take));
        }
        chosen.sort_unstable();
        if !still_waiting {
            // Queued rows that ended otherwise (a failed upload) leave the queue.
            for a in self.assets.iter_mut().filter(|a| a.queued) {
                if !matches!(a.state, AssetState::Uploaded { .. }) || !a.is_current() {
                    a.queued = false;
                }
            }
        }
        let mut batch = Vec::new();
        for i in chosen {
            let a = &mut self.assets[i];
            let AssetState::Uploaded { url } = &a.state else {
                continue;
            };
            let url = url.clone();
            a.queued = false;
            batch.push((
                a.id,
                AssetInput {
                    url: url.clone(),
                    name: a.name.clone(),
                    kind: a.kind,
                },
            ));
            a.state = AssetState::Submitting { url };
            a.submissions += 1;
        }
        if batch.is_empty() {
            return vec![];
        }
        vec![Effect::Submit {
            group_id,
            assets: batch,
        }]
    }
}

impl Session {
    /// A row staff remove: one being sent cannot be; an upload no longer wanted is dropped.
    pub(super) fn remove(&mut self, id: AssetId) -> Result<Vec<Effect>, Refusal> {
        let asset = self.asset_mut(id)?;
        if matches!(asset.state, AssetState::Submitting { .. }) {
            return Err(Refusal::NotNow("refusal-asset-sending"));
        }
        if matches!(asset.state, AssetState::Uploading { .. }) {
            // Its answer will find nothing to update.
            asset.state = AssetState::Staged;
        }
        asset.removed = true;
        asset.queued = false;
        Ok(self.maybe_submit())
    }

    /// News of an upload in flight: progress, its URL, or why it failed.
    pub(super) fn upload_answer(
        &mut self,
        asset: AssetId,
        next: AssetState,
    ) -> Result<Vec<Effect>, Refusal> {
        let a = self.asset_mut(asset)?;
        if !matches!(a.state, AssetState::Uploading { .. }) {
            return Err(Refusal::NotNow("refusal-not-uploading"));
        }
        let progress = matches!(next, AssetState::Uploading { .. });
        if matches!(next, AssetState::UploadFailed { .. }) {
            a.queued = false;
        }
        a.state = next;
        Ok(if progress {
            vec![]
        } else {
            self.maybe_submit()
        })
    }

    /// Staff send a failed, refused or uncertain row again.
    pub(super) fn resubmit(&mut self, id: AssetId) -> Result<Vec<Effect>, Refusal> {
        let a = self.asset_mut(id)?;
        if !a.is_current() {
            return Err(Refusal::NotNow("refusal-asset-gone"));
        }
        if !matches!(
            a.state,
            AssetState::Failed { .. }
                | AssetState::Refused { .. }
                | AssetState::Uncertain { .. }
                | AssetState::UploadFailed { .. }
        ) {
            return Err(Refusal::NotNow("refusal-not-resubmittable"));
        }
        a.state = AssetState::Staged;
        a.queued = true;
        Ok(self.advance_queue())
    }

    /// A new row takes an old one's place; it goes as soon as it is checked (and verified).
    pub(super) fn replace(
        &mut self,
        asset: AssetId,
        name: &str,
        source: AssetSource,
        kind: AssetKind,
    ) -> Result<Vec<Effect>, Refusal> {
        let old = self.asset_mut(asset)?;
        if !old.is_current() {
            return Err(Refusal::NotNow("refusal-asset-gone"));
        }
        if matches!(
            old.state,
            AssetState::Uploading { .. }
                | AssetState::Submitting { .. }
                | AssetState::Submitted { .. }
        ) {
            return Err(Refusal::NotNow("refusal-asset-busy"));
        }
        let new_id = self.push_asset(name, source.clone(), kind);
        if let Ok(old) = self.asset_mut(asset) {
            old.replaced_by = Some(new_id);
            old.queued = false;
        }
        if let Ok(new) = self.asset_mut(new_id) {
            new.queued = true;
        }
        let mut actions = vec![Effect::Check {
            asset: new_id,
            source,
            kind,
        }];
        actions.extend(self.advance_queue());
        Ok(actions)
    }
}
