//! The one wall clock. Everything that needs the time of day reads it here (a lint forbids
//! `SystemTime::now` elsewhere), so the rest can be given the time instead of reading it.

use std::time::SystemTime;

/// Milliseconds since the Unix epoch (0 if the system clock is set before it).
pub fn now_ms() -> i64 {
    now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The time of day.
#[allow(clippy::disallowed_methods)]
pub fn now() -> SystemTime {
    SystemTime::now()
}
