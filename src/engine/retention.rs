//! The retention purge and a person's withdrawal: the copies this desk made of a person (the
//! cache's prepared photos, fixed videos, captures, renders) and their objects in the studio's
//! bucket are deleted; the `asset://` references, the consent record and the audit log stay.
//! A purge runs at start and once a day, for the sessions whose time is up; `purge` asks for
//! one (a dry run lists without deleting).

use std::path::PathBuf;

use super::actor::Actor;
use super::commands::log;
use super::protocol::{Outcome, PurgeReport, Removal, Why};
use super::{Event, check, now_ms};
use crate::api::bucket::Bucket;
use crate::flow::{AuditAction, DEFAULT_KEEP_DAYS, Input, Keep, Session};
use crate::text::Msg;

impl Actor {
    /// Whether a session's local copies are on this desk (a session from before desks had
    /// names is taken as this desk's).
    fn is_mine(&self, kiosk: &str) -> bool {
        kiosk.is_empty() || kiosk == self.config.kiosk
    }

    /// [`super::Command::Purge`], and the purge at start and once a day (`quiet`).
    pub(super) async fn purge(&mut self, days: Option<u32>, dry_run: bool, quiet: bool) {
        let plan = match self.purge_plan(days).await {
            Ok(plan) => plan,
            Err(message) => {
                let event = Event::Error {
                    session: None,
                    message,
                };
                return self.emit(event).await;
            }
        };
        if dry_run || plan.is_empty() {
            if !(quiet && plan.is_empty()) {
                let report = PurgeReport {
                    dry_run,
                    sessions: plan,
                };
                self.emit(Event::Purged(Box::new(report))).await;
            }
            return;
        }
        self.remove_in_background(plan, Why::Purge { quiet });
    }

    /// This desk's finished sessions whose copies are due: `days` when asked, else until
    /// the person withdraws when they agreed to it, else the days their consent text stated.
    async fn purge_plan(&mut self, days: Option<u32>) -> Result<Vec<Removal>, Msg> {
        let now = now_ms();
        let list = self
            .store
            .call(|s| s.list())
            .await
            .map_err(|e| e.advice())?;
        let versions = (self.store.call(|s| s.consent_versions()).await).map_err(|e| e.advice())?;
        let mut plan = Vec::new();
        for row in list {
            if !row.stage.is_final() || !self.is_mine(&row.kiosk) {
                continue;
            }
            let Some(s) = self.known(&row.id).await else {
                continue;
            };
            let id = row.id.clone();
            let consent = match self.store.call(move |st| st.consent(&id)).await {
                Ok(c) => c,
                // One unreadable record stops only its own session's purge.
                Err(e) => {
                    let mut r = self.removal_of(&s);
                    r.problem = Some(e.advice());
                    plan.push(r);
                    continue;
                }
            };
            // A session from before consent was recorded stated no period: kept until the
            // person withdraws (or a purge names its days).
            let keeps = consent.as_ref().is_none_or(|c| c.record.keeps_copies());
            let stated = consent
                .as_ref()
                .and_then(|c| versions.iter().find(|v| v.number == c.record.version))
                .map_or(DEFAULT_KEEP_DAYS, |v| v.fields.keep_days);
            if s.purge_due(Keep::of(days, keeps, stated), row.updated_at, now) {
                plan.push(self.removal_of(&s));
            }
        }
        Ok(plan)
    }

    /// What removing a person's copies means now: the files that are there, the bucket's
    /// objects (or why they cannot go), the references that stay upstream.
    fn removal_of(&self, s: &Session) -> Removal {
        let mut files: Vec<PathBuf> = (self.copies_of(s).into_iter())
            .filter(|f| f.is_file())
            .collect();
        files.extend(self.cache.files(&check::hashes_of(s)));
        let hosted = s.assets.iter().any(|a| a.hosted.is_some());
        let (objects, problem) = match (&self.config.bucket, hosted) {
            (_, false) => (Vec::new(), None),
            (Err(why), true) => (Vec::new(), Some(bucket_stays(why.clone()))),
            (Ok(bucket), true) => match super::videos::objects_of(bucket, s) {
                (objects, None) => (objects, None),
                (_, Some(other)) => {
                    let elsewhere = Msg::new("bucket-elsewhere").text("bucket", other);
                    (Vec::new(), Some(bucket_stays(elsewhere)))
                }
            },
        };
        let upstream = s.approved_urls().map(str::to_string).collect();
        Removal {
            session: s.id.clone(),
            person: s.person.clone(),
            files,
            objects,
            upstream,
            problem,
        }
    }

    /// [`super::Command::Withdraw`]: a session at rest, whose copies are on this desk.
    pub(super) async fn withdraw(&mut self, id: String) {
        if let Err(message) = self.ensure_loaded(&id).await {
            let session = Some(id);
            return self.emit(Event::Refused { session, message }).await;
        }
        let Some(s) = self.sessions.get(&id).cloned() else {
            return self.refuse(Some(id), "engine-no-session").await;
        };
        if !s.at_rest() {
            return self.refuse(Some(id), "engine-withdraw-moving").await;
        }
        if !self.is_mine(&s.kiosk) {
            let message = Msg::new("engine-withdraw-elsewhere").text("kiosk", s.kiosk);
            let session = Some(id);
            return self.emit(Event::Refused { session, message }).await;
        }
        // A bucket that cannot be reached or is not this one keeps the withdrawal from being
        // marked, not this desk's copies from going.
        self.remove_in_background(vec![self.removal_of(&s)], Why::Withdraw);
    }

    /// Deletes the objects, then the files, away from the engine's task; the result comes
    /// back as [`Outcome::Removed`].
    fn remove_in_background(&self, plan: Vec<Removal>, why: Why) {
        let bucket = self.config.bucket.clone().ok();
        let out = self.internal.clone();
        tokio::spawn(async move {
            let mut done = Vec::with_capacity(plan.len());
            for mut r in plan {
                // A purge that is not sure (an unreadable consent) removes nothing; a person's
                // withdrawal removes what it can.
                if r.problem.is_none() || why == Why::Withdraw {
                    let removed = remove(&r, bucket.as_ref()).await;
                    r.problem = r.problem.or(removed.err());
                }
                done.push(r);
            }
            let _ = out.send(Outcome::Removed(why, done)).await;
        });
    }

    /// Marks what was removed on each session (and the consent withdrawn), logs it, and says
    /// so.
    pub(super) async fn removed(&mut self, why: Why, list: Vec<Removal>) {
        let now = now_ms();
        let mut report = Vec::with_capacity(list.len());
        for mut r in list {
            if r.problem.is_none() {
                r.problem = self.mark_removed(&r, why, now).await.err();
            }
            report.push(r);
        }
        match why {
            Why::Withdraw => {
                for r in report {
                    match r.problem {
                        None => self.emit(Event::Withdrawn(Box::new(r))).await,
                        Some(message) => {
                            let session = Some(r.session);
                            self.emit(Event::Error { session, message }).await;
                        }
                    }
                }
            }
            Why::Purge { .. } => {
                let report = PurgeReport {
                    dry_run: false,
                    sessions: report,
                };
                self.emit(Event::Purged(Box::new(report))).await;
            }
        }
        self.emit_history().await;
    }

    async fn mark_removed(&mut self, r: &Removal, why: Why, now: i64) -> Result<(), Msg> {
        let what = format!(
            "{} copies on this desk and {} bucket objects deleted; {} references stay at APIMart",
            r.files.len(),
            r.objects.len(),
            r.upstream.len()
        );
        let (input, word, action) = match why {
            Why::Withdraw => (
                Input::Withdrawn { at: now },
                "withdrawn",
                AuditAction::Withdraw,
            ),
            Why::Purge { .. } => (
                Input::CopiesRemoved { at: now },
                "copies-removed",
                AuditAction::Purge,
            ),
        };
        let log = log(word, what.clone());
        if !self.apply_reporting(&r.session, input, log, true).await {
            return Err(Msg::new("retention-not-marked"));
        }
        if why == Why::Withdraw {
            let id = r.session.clone();
            (self.store.call(move |s| s.withdraw_consent(&id, now)).await)
                .map_err(|e| e.advice())?;
        }
        self.audit(action, Some(&r.session), what).await;
        Ok(())
    }
}

/// Deletes a person's files on this desk (a file already gone is not a failure), then their
/// bucket objects: a bucket that does not answer leaves none of this desk's copies behind.
/// Stops at the first that stays; nothing is marked done then, and the next try finds only
/// what is left.
async fn remove(r: &Removal, bucket: Option<&Bucket>) -> Result<(), Msg> {
    remove_files(&r.files).await?;
    for object in &r.objects {
        let Some(bucket) = bucket else {
            return Err(bucket_stays(Msg::new("bucket-none")));
        };
        (bucket.delete(object).await).map_err(|e| bucket_stays(e.advice(bucket.place())))?;
    }
    Ok(())
}

/// This desk's copies went, the bucket's videos did not, and why.
fn bucket_stays(why: Msg) -> Msg {
    Msg::new("removal-bucket-stays").msg("reason", why)
}

async fn remove_files(files: &[PathBuf]) -> Result<(), Msg> {
    for file in files {
        match tokio::fs::remove_file(file).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Msg::new("retention-file-stays")
                    .text("file", file.display().to_string())
                    .text("reason", e.to_string()));
            }
        }
    }
    Ok(())
}
