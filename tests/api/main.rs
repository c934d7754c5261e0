//! The APIMart client and the simulator, over real loopback HTTP, and the documented answer
//! shapes from fixture files. One binary with modules: each test file links the whole app.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client;
mod fixtures;
mod simulator;

use avatar_kiosk::api::{ApiKey, Client, ClientOptions, RetryPolicy};
use avatar_kiosk::sim::{SimConfig, Simulator};
use std::time::Duration;

/// A simulator with the given config and a client pointed at it with fast retries.
pub async fn pair(config: SimConfig) -> (Simulator, Client) {
    let sim = Simulator::start(config).await.expect("simulator starts");
    let client = client_for(&sim.base_url(), "test-key", fast_options());
    (sim, client)
}

pub fn fast_options() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        upload_timeout: Duration::from_secs(30),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        },
    }
}

pub fn client_for(base: &str, key: &str, options: ClientOptions) -> Client {
    Client::new(base, &ApiKey::new(key), options).expect("client builds")
}

/// A tiny valid PNG (1x1), enough for the upload endpoint's content sniffing.
pub fn tiny_png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&[0u8; 32]);
    v
}
