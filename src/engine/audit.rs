//! Each action on a person's data goes into the store's audit log, with this desk's name and
//! the OS user signed in here.

use super::Event;
use super::actor::Actor;
use crate::flow::AuditAction;

impl Actor {
    /// Appends one entry. A store that cannot take it (a roster away) is written in the app's
    /// log: the action itself was done and stays done.
    pub(super) async fn audit(&self, action: AuditAction, session: Option<&str>, detail: String) {
        let note = crate::store::audit_note(&self.config.kiosk, action, session, detail);
        if let Err(e) = self.store.call(move |s| s.audit(&note)).await {
            tracing::warn!(
                "the audit log did not take a {} entry: {}",
                action.word(),
                e.advice().english()
            );
        }
    }

    /// Staff took data of sessions out of the app: one entry for each.
    pub(super) async fn took_out(&self, how: super::TakeOut, entries: Vec<(String, String)>) {
        for (id, detail) in entries {
            self.audit(how.action(), Some(&id), detail).await;
        }
    }

    /// Sends a session's entries of the audit log.
    pub(super) async fn audit_log(&self, id: String) {
        let of = id.clone();
        let read = self.store.call(move |s| s.audit_log(Some(&of))).await;
        let read = read.map_err(|e| e.advice());
        self.emit(Event::AuditLog(id, read)).await;
    }
}
