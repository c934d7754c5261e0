//! The listener's accept loop, fit for a shared network: a cap on open connections and on each
//! address's share of them and rate, a short deadline for the request's headers and for the
//! whole connection, one request per connection, and nothing logged per request. A neighbour
//! holding a thousand idle connections cannot keep the phone's redirect out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};

/// How much of the listener one neighbour may take.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Connections open at once, in all.
    pub max_connections: usize,
    /// Connections open at once from one address.
    pub per_address: usize,
    /// New connections per second from one address.
    pub per_address_rate: u32,
    /// Time to send the request's headers.
    pub header_timeout: Duration,
    /// Time for the whole connection (a slow body included).
    pub connection_timeout: Duration,
    /// The largest request body read.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 64,
            per_address: 8,
            per_address_rate: 20,
            header_timeout: Duration::from_secs(5),
            connection_timeout: Duration::from_secs(10),
            max_body: 16 * 1024,
        }
    }
}

/// What the listener turned away, for the log when it stops (never per request).
#[derive(Debug, Default)]
pub struct Counters {
    /// Connections served.
    pub served: AtomicU64,
    /// Connections closed unread: the cap, an address's share or its rate.
    pub refused: AtomicU64,
}

#[derive(Default)]
struct PerAddress {
    open: usize,
    window: Option<Instant>,
    in_window: u32,
}

/// Releases an address's share when its connection ends.
struct Share {
    table: Arc<Mutex<HashMap<IpAddr, PerAddress>>>,
    ip: IpAddr,
}

impl Drop for Share {
    fn drop(&mut self) {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = table.get_mut(&self.ip) {
            entry.open = entry.open.saturating_sub(1);
            if entry.open == 0
                && entry
                    .window
                    .is_none_or(|w| w.elapsed() > Duration::from_secs(1))
            {
                table.remove(&self.ip);
            }
        }
    }
}

/// Takes a share for a new connection from `ip`, or says no.
fn admit(
    table: &Arc<Mutex<HashMap<IpAddr, PerAddress>>>,
    ip: IpAddr,
    limits: &Limits,
) -> Option<Share> {
    let mut t = table.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    if t.len() > 1024 {
        // Addresses with nothing open and an old window are forgotten: cycling through many
        // addresses (IPv6) cannot grow the table without end.
        t.retain(|_, e| {
            e.open > 0
                || e.window
                    .is_some_and(|w| now.duration_since(w) < Duration::from_secs(1))
        });
    }
    let entry = t.entry(ip).or_default();
    match entry.window {
        Some(start) if now.duration_since(start) < Duration::from_secs(1) => {}
        _ => {
            entry.window = Some(now);
            entry.in_window = 0;
        }
    }
    if entry.open >= limits.per_address || entry.in_window >= limits.per_address_rate {
        return None;
    }
    entry.open += 1;
    entry.in_window += 1;
    Some(Share {
        table: table.clone(),
        ip,
    })
}

/// Serves `app` on `listener` until `stop` fires.
pub(super) async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: Limits,
    counters: Arc<Counters>,
    mut stop: oneshot::Receiver<()>,
) {
    let total = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let table: Arc<Mutex<HashMap<IpAddr, PerAddress>>> = Arc::default();
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                tracing::warn!("the callback listener could not accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let admitted = total
            .clone()
            .try_acquire_owned()
            .ok()
            .and_then(|permit| admit(&table, peer.ip(), &limits).map(|share| (permit, share)));
        let Some((permit, share)) = admitted else {
            counters.refused.fetch_add(1, Ordering::Relaxed);
            drop(stream);
            continue;
        };
        counters.served.fetch_add(1, Ordering::Relaxed);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let limits = limits.clone();
        tokio::spawn(async move {
            let _held = (permit, share);
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            // Dropping the connection on the deadline closes it, whatever it was doing.
            let _ = tokio::time::timeout(limits.connection_timeout, connection).await;
        });
    }
    tracing::info!(
        served = counters.served.load(Ordering::Relaxed),
        refused = counters.refused.load(Ordering::Relaxed),
        "callback listener stopped"
    );
}
