//! Holding sessions on a shared roster: leases renewed on a tick, lost ones let go, state that
//! only memory holds saved again once the store is back.

use super::actor::Actor;
use super::{Event, now_ms};
use crate::text::Msg;

impl Actor {
    /// On each tick: saves what a failed save left in memory, then renews this engine's leases
    /// (which also tells whether a shared roster is reachable again).
    pub(super) async fn tend(&mut self) {
        let pending: Vec<String> = self.unsaved.iter().cloned().collect();
        for id in pending {
            let Some(session) = self.sessions.get(&id).cloned() else {
                self.unsaved.remove(&id);
                continue;
            };
            let log = vec![("saved-late".into(), "saved once the store was back".into())];
            if let Err(e) = self.save(session, log, true).await {
                self.store_failed(Some(&id), &e).await;
                return;
            }
        }
        if !self.shared {
            self.back().await;
            return;
        }
        let held: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| !s.stage().is_final())
            .map(|(id, _)| id.clone())
            .collect();
        let asked = held.clone();
        match self.store.call(move |s| s.renew(&asked, now_ms())).await {
            Ok(still) => {
                self.back().await;
                for id in held.into_iter().filter(|id| !still.contains(id)) {
                    self.lost(id).await;
                }
            }
            Err(e) => self.store_failed(None, &e).await,
        }
    }

    /// The store answered: says so if it had been away.
    async fn back(&mut self) {
        if self.store_down && self.unsaved.is_empty() {
            self.store_down = false;
            self.emit(Event::Roster { reachable: true }).await;
            self.emit(Event::RosterChanged).await;
        }
    }

    /// Another desk's engine took a session over (this one stalled past its lease): this
    /// engine lets it go, and anything still arriving for it is refused by its lease.
    async fn lost(&mut self, id: String) {
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
