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
/// The longest wait between two tries to reach the server.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// How long a quiet connection goes before it is asked whether it still works.
const PING_EVERY: Duration = Duration::from_secs(10);

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
    let mut wait = TICK;
    while !stop.load(Ordering::Relaxed) {
        let connected = connector.connect().and_then(|mut c| {
            c.batch_execute(&format!("LISTEN {CHANNEL}"))?;
            Ok(c)
        });
        let mut client = match connected {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!("the roster's notices wait for the server: {e}");
                // Longer each time, up to half a minute: a wrong password is not tried twice
                // a second.
                pause(wait, stop);
                wait = (wait * 2).min(MAX_WAIT);
                continue;
            }
        };
        wait = TICK;
        if !first {
            // Notices sent while this was away are lost: the list may have changed.
            on_change();
        }
        first = false;
        let mut quiet = Duration::ZERO;
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            // A fresh iterator each time: one whose timer has run out no longer waits at all.
            let heard = client.notifications().timeout_iter(TICK).next();
            match heard {
                Ok(Some(note)) => {
                    quiet = Duration::ZERO;
                    if note.payload() != own {
                        on_change();
                    }
                }
                Ok(None) => {
                    quiet += TICK;
                    // Nothing heard for a while: a connection cut without a word would never
                    // say so, so it is asked.
                    if quiet >= PING_EVERY {
                        quiet = Duration::ZERO;
                        if let Err(e) = client.is_valid(PING_EVERY) {
                            tracing::debug!("the roster's notices went quiet: {e}");
                            break;
                        }
                    }
                }
                Err(e) => {
                    tracing::debug!("the roster's notices stopped: {e}");
                    break;
                }
            }
        }
    }
}

/// Waits `total`, looking every tick whether to stop.
fn pause(total: Duration, stop: &AtomicBool) {
    let mut left = total;
    while !left.is_zero() && !stop.load(Ordering::Relaxed) {
        let step = left.min(TICK);
        std::thread::sleep(step);
        left -= step;
    }
}
