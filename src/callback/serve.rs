//! The listener's accept loop, fit for a shared network: a cap on open connections and on each
//! address's share of them and rate, a short deadline for the request's headers and for the
//! whole connection, one request per connection, and nothing logged per request. A neighbour
//! holding a thousand idle connections cannot keep the phone's redirect out, and when the cap
//! is reached by many neighbours, the oldest connection that has not sent its request yet
//! gives way to the new one.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

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
    /// Connections that had not sent their request, closed to make room for a new one.
    pub evicted: AtomicU64,
}

/// The open connections, oldest first: whether each has sent its request, and how to close it.
#[derive(Default)]
struct Open {
    next: u64,
    by_age: BTreeMap<u64, (Arc<std::sync::atomic::AtomicBool>, tokio::task::AbortHandle)>,
}

impl Open {
    /// Room for one more under `cap`: the oldest connection still waiting for its request is
    /// closed when the cap is reached. `false` when every open one is being answered.
    fn make_room(&mut self, cap: usize, counters: &Counters) -> bool {
        self.by_age.retain(|_, (_, task)| !task.is_finished());
        if self.by_age.len() < cap {
            return true;
        }
        let idle = self
            .by_age
            .iter()
            .find(|(_, (asked, _))| !asked.load(Ordering::Relaxed))
            .map(|(age, _)| *age);
        match idle.and_then(|age| self.by_age.remove(&age)) {
            Some((_, task)) => {
                task.abort();
                counters.evicted.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

/// Forgets a connection when its task ends.
struct Gone {
    open: Arc<Mutex<Open>>,
    age: u64,
}

impl Drop for Gone {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.by_age.remove(&self.age);
    }
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
    let open: Arc<Mutex<Open>> = Arc::default();
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
        let Some(share) = admit(&table, peer.ip(), &limits) else {
            counters.refused.fetch_add(1, Ordering::Relaxed);
            drop(stream);
            continue;
        };
        // Held while the task is made and recorded, so it cannot end unrecorded.
        let mut live = open.lock().unwrap_or_else(|p| p.into_inner());
        if !live.make_room(limits.max_connections.max(1), &counters) {
            drop(live);
            counters.refused.fetch_add(1, Ordering::Relaxed);
            drop(stream);
            continue;
        }
        counters.served.fetch_add(1, Ordering::Relaxed);
        let asked = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let age = live.next;
        live.next += 1;
        let gone = Gone {
            open: open.clone(),
            age,
        };
        let router = app.clone();
        let flag = asked.clone();
        // The request's headers have arrived once hyper calls the service.
        let service = hyper::service::service_fn(move |request| {
            flag.store(true, Ordering::Relaxed);
            let mut router = router.clone();
            async move { tower_service::Service::call(&mut router, request).await }
        });
        let limits = limits.clone();
        let task = tokio::spawn(async move {
            let _held = (share, gone);
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            // Dropping the connection on the deadline closes it, whatever it was doing.
            let _ = tokio::time::timeout(limits.connection_timeout, connection).await;
        });
        live.by_age.insert(age, (asked, task.abort_handle()));
    }
    tracing::info!(
        served = counters.served.load(Ordering::Relaxed),
        refused = counters.refused.load(Ordering::Relaxed),
        evicted = counters.evicted.load(Ordering::Relaxed),
        "callback listener stopped"
    );
}
