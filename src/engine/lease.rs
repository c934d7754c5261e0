//! Holding sessions on a shared roster: leases renewed on a tick, lost ones let go, state that
//! only memory holds saved again once the store is back, this desk's own sessions taken up once
//! they are free.

use super::actor::Actor;
use super::{Event, now_ms};
use crate::store::StoreError;
use crate::text::Msg;

impl Actor {
    /// On each tick: saves what a failed save left in memory, renews this engine's leases
    /// (which also tells whether a shared roster is reachable again), lets finished sessions go
    /// and takes up this desk's own sessions that were not free at the start.
    pub(super) async fn tend(&mut self) {
        if !self.save_unsaved().await {
            return;
        }
        if self.shared {
            let held: Vec<String> = self
                .sessions
                .iter()
                .filter(|(_, s)| !s.at_rest())
                .map(|(id, _)| id.clone())
                .collect();
            let asked = held.clone();
            match self.store.call(move |s| s.renew(&asked, now_ms())).await {
                Ok(still) => {
                    for id in held.into_iter().filter(|id| !still.contains(id)) {
                        self.lost(id).await;
                    }
                }
                Err(e) => return self.store_failed(None, &e).await,
            }
            // Finished ones were released: another desk may open them again (a replacement,
            // a new code), so the next look here reads them afresh.
            let unsaved = &self.unsaved;
            self.sessions
                .retain(|id, s| !s.at_rest() || unsaved.contains(id));
        }
        self.back().await;
        if self.resume_again {
            let (resumed, _) = self.resume_all().await;
            self.carry_on(resumed).await;
        }
    }

    /// Saves what only memory holds. False while the roster is away (nothing more to try now).
    pub(super) async fn save_unsaved(&mut self) -> bool {
        let pending: Vec<String> = self.unsaved.iter().cloned().collect();
        for id in pending {
            let Some(session) = self.sessions.get(&id).cloned() else {
                self.unsaved.remove(&id);
                continue;
            };
            let done = session.at_rest();
            let log = vec![("saved-late".into(), "saved once the store was back".into())];
            match self.save(session, log, true).await {
                Ok(()) if done => self.release(&id).await,
                Ok(()) => {}
                Err(e @ StoreError::Unreachable(_)) => {
                    self.store_failed(None, &e).await;
                    return false;
                }
                // Another desk took it over meanwhile, or removed it: theirs now.
                Err(StoreError::Conflict(_) | StoreError::Held(_)) => self.lost(id).await,
                // Said once; tried again on the next tick.
                Err(e) => self.store_failed(Some(&id), &e).await,
            }
        }
        true
    }

    /// The store answered: says so if it had been away.
    async fn back(&mut self) {
        if self.unsaved.is_empty() {
            self.said = None;
        }
        if self.store_down {
            self.store_down = false;
            self.emit(Event::Roster { reachable: true }).await;
            self.emit(Event::RosterChanged).await;
        }
    }

    /// Another desk's engine took a session over (this one stalled past its lease, or the
    /// roster was away that long): this engine lets it go, and anything still arriving for it
    /// is ignored.
    pub(super) async fn lost(&mut self, id: String) {
        tracing::warn!(session = id, "the session's lease passed to another desk");
        self.sessions.remove(&id);
        self.unsaved.remove(&id);
        self.registry.unregister(&id);
        self.emit(Event::Error {
            session: Some(id),
            message: Msg::new("engine-lease-lost"),
        })
        .await;
    }

    /// Gives up a session's lease (it is finished).
    pub(super) async fn release(&mut self, id: &str) {
        let owned = id.to_string();
        if let Err(e) = self.store.call(move |s| s.release(&owned)).await {
            tracing::debug!(session = id, "lease kept until it lapses: {e}");
        }
    }

    /// Gives up every lease held (the engine is stopping): another desk may go on at once.
    pub(super) async fn release_all(&mut self) {
        let ids: Vec<String> = self.sessions.keys().cloned().collect();
        for id in ids {
            self.release(&id).await;
        }
    }
}
