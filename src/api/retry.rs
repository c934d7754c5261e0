//! Exponential backoff with jitter for the calls that are safe to repeat.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use super::ApiError;

/// How transient failures are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts, the first included. `1` disables retries.
    pub max_attempts: u32,
    /// The delay before the second attempt; it doubles with each further attempt.
    pub base_delay: Duration,
    /// No computed backoff exceeds this.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the error is returned instead, so
    /// staff are not left looking at a silent screen.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(15),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before attempt `attempt + 1`, after `attempt` failed attempts (`attempt >= 1`),
    /// or `None` when the error must be returned (attempts used up, or a `Retry-After` too
    /// long). Whether the error may be retried at all is the caller's decision.
    ///
    /// The backoff is "equal jitter": half of the exponential delay is fixed, half random, so
    /// that many kiosks retrying together spread out. A `Retry-After` from the server is a
    /// floor: we never come back sooner than asked.
    pub fn delay_after(&self, attempt: u32, error: &ApiError, jitter: f64) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let exp = self
            .base_delay
            .saturating_mul(
                1u32.checked_shl(attempt.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_delay);
        let jitter = jitter.clamp(0.0, 1.0);
        let backoff = exp / 2 + exp.mul_f64(0.5 * jitter);
        match error.retry_after() {
            Some(asked) if asked > self.max_retry_after => None,
            Some(asked) => Some(asked.max(backoff)),
            None => Some(backoff),
        }
    }
}

/// Runs `op` until it succeeds, fails with an error `retryable` refuses, or the policy gives
/// up.
///
/// Sleeps on tokio's clock, so tests can run it on a paused clock. `on_retry` is told about
/// each retry (attempt number just failed, the error, the wait) for logging and counters.
pub async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    retryable: impl Fn(&ApiError) -> bool,
    mut op: F,
    mut on_retry: impl FnMut(u32, &ApiError, Duration),
) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match op().await {
            Ok(value) => return Ok(value),
            Err(error) => {
                let jitter = rand::rng().random::<f64>();
                let wait = if retryable(&error) {
                    policy.delay_after(attempt, &error, jitter)
                } else {
                    None
                };
                match wait {
                    Some(wait) => {
                        on_retry(attempt, &error, wait);
                        tokio::time::sleep(wait).await;
                    }
                    None => return Err(error),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn server_error() -> ApiError {
        ApiError::Server {
            status: 503,
            message: "down".into(),
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        };
        let e = server_error();
        // Jitter 1.0 gives the full exponential delay, 0.0 half of it.
        let full: Vec<_> = (1..6).map(|a| p.delay_after(a, &e, 1.0)).collect();
        assert_eq!(
            full,
            [1, 2, 4, 8, 8]
                .map(|s| Some(Duration::from_secs(s)))
                .to_vec()
        );
        assert_eq!(p.delay_after(3, &e, 0.0), Some(Duration::from_secs(2)));
        assert_eq!(p.delay_after(10, &e, 0.5), None, "attempts exhausted");
    }

    #[test]
    fn retry_after_is_a_floor_and_has_a_ceiling() {
        let p = RetryPolicy::default();
        let asked = |s| ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(s)),
            message: String::new(),
        };
        assert_eq!(
            p.delay_after(1, &asked(7), 1.0),
            Some(Duration::from_secs(7))
        );
        assert_eq!(p.delay_after(1, &asked(600), 1.0), None);
    }

    #[tokio::test(start_paused = true)]
    async fn errors_the_caller_refuses_are_not_retried() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let result: Result<(), _> = with_retries(
            &RetryPolicy::default(),
            ApiError::is_transient,
            move || {
                c.fetch_add(1, Ordering::SeqCst);
                async {
                    Err(ApiError::Unauthorized {
                        message: "no".into(),
                    })
                }
            },
            |_, _, _| {},
        )
        .await;
        assert!(matches!(result, Err(ApiError::Unauthorized { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn honours_retry_after_on_the_paused_clock() {
        let calls = Arc::new(AtomicU32::new(0));
        let start = tokio::time::Instant::now();
        let c = calls.clone();
        let result = with_retries(
            &RetryPolicy::default(),
            ApiError::is_transient,
            move || {
                let c = c.clone();
                async move {
                    if c.fetch_add(1, Ordering::SeqCst) < 2 {
                        Err(ApiError::RateLimited {
                            retry_after: Some(Duration::from_secs(30)),
                            message: "slow down".into(),
                        })
                    } else {
                        Ok(42)
                    }
                }
            },
            |_, _, _| {},
        )
        .await;
        assert_eq!(result, Ok(42));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let waited = start.elapsed();
        // Two waits of at least 30 s each, and not much more: the backoff (<= 1 s) is below it.
        assert!(waited >= Duration::from_secs(60), "waited {waited:?}");
        assert!(waited < Duration::from_secs(61), "waited {waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_attempts() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let mut seen = Vec::new();
        let result: Result<(), _> = with_retries(
            &RetryPolicy::default(),
            ApiError::is_transient,
            move || {
                c.fetch_add(1, Ordering::SeqCst);
                async { Err(server_error()) }
            },
            |attempt, _, _| seen.push(attempt),
        )
        .await;
        assert_eq!(result, Err(server_error()));
        assert_eq!(calls.load(Ordering::SeqCst), 5);
        assert_eq!(seen, vec![1, 2, 3, 4]);
    }
}
