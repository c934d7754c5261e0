//! Hears other desks' changes: a connection of its own that LISTENs, on a named thread,
//! reconnecting when the server goes away (and saying "changed" when it is back, since
//! notices sent meanwhile are lost).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use super::{CHANNEL, Connector};
use crate::store::{OnChange, StoreError};

/// How often the thread looks whether it should stop while nothing arrives.
const TICK: Duration = Duration::from_millis(500);

/// The listening thread; stops when dropped.
pub(super) struct Listener {
    stop: Arc<AtomicBool>,
}

impl Listener {
    /// Starts listening; `own` is this desk's lease owner, whose own notices are not news.
    pub(super) fn start(
        connector: Connector,
        own: String,
        on_change: OnChange,
    ) -> Result<Listener, StoreError> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        std::thread::Builder::new()
            .name("avatar-roster-listen".into())
            .spawn(move || listen(&connector, &own, &on_change, &stopping))?;
        Ok(Listener { stop })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn listen(connector: &Connector, own: &str, on_change: &OnChange, stop: &AtomicBool) {
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let mut client = match connector.connect() {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!("the roster's notices wait for the server: {e}");
                std::thread::sleep(TICK);
                continue;
            }
        };
        if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")) {
            tracing::debug!("LISTEN failed: {e}");
            std::thread::sleep(TICK);
            continue;
        }
        if !first {
            on_change();
        }
        first = false;
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            // A fresh iterator each time: one whose timer has run out no longer waits at all.
            match client.notifications().timeout_iter(TICK).next() {
                Ok(Some(note)) => {
                    if note.payload() != own {
                        on_change();
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!("the roster's notices stopped: {e}");
                    break;
                }
            }
        }
    }
}
