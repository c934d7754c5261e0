//! Every HTTP client the app makes is built here (a lint forbids building one elsewhere), with
//! the app's user agent and bounded waits; the rest is handed a client.

use std::time::Duration;

use reqwest::header::HeaderMap;

const USER_AGENT: &str = concat!("avatar-kiosk/", env!("CARGO_PKG_VERSION"));

/// The APIMart client's transport: its default headers (the key, marked sensitive).
#[allow(clippy::disallowed_methods)]
pub fn for_api(headers: HeaderMap, connect_timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(connect_timeout)
        .user_agent(USER_AGENT)
        .build()
}

/// For reading the start of a photo's URL before it is sent: a few redirects, a timeout.
#[allow(clippy::disallowed_methods)]
pub fn for_probing(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(8))
        .connect_timeout(timeout)
        .timeout(timeout)
        .user_agent(USER_AGENT)
        .build()
        .unwrap_or_default()
}

/// For the simulator's fetches of submitted videos: this machine only, and no redirect (which
/// could lead anywhere).
#[allow(clippy::disallowed_methods)]
pub fn for_loopback_only(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .user_agent(USER_AGENT)
        .build()
}

/// For the simulator's phone, which only speaks to this machine: no proxy, a timeout.
#[allow(clippy::disallowed_methods)]
pub fn for_loopback(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .user_agent(USER_AGENT)
        .build()
}

/// For downloading a finished render from wherever the upstream keeps it: redirects followed,
/// no API key sent, a bounded connection wait and a bounded pause between bytes.
#[allow(clippy::disallowed_methods)]
pub fn for_download(connect_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(8))
        .connect_timeout(connect_timeout)
        .read_timeout(Duration::from_secs(60))
        .user_agent(USER_AGENT)
        .build()
        .unwrap_or_default()
}

/// For the studio's bucket: a bounded connection wait and pause between bytes, no redirect
/// (a signed request is for one address).
#[allow(clippy::disallowed_methods)]
pub fn for_bucket(connect_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .read_timeout(Duration::from_secs(120))
        .user_agent(USER_AGENT)
        .build()
        .unwrap_or_default()
}
