//! The person's phone, as the simulator plays it: finishing the H5 flow (pass or fail) and
//! following the redirect to the app's callback.

use std::sync::Arc;
use std::time::Duration;

use super::{Phase, PhoneError, Shared, TaskKind};

/// The person's phone, played by the simulator (`SimConfig::phone_after`): passes after a
/// delay and follows the redirect to the callback, when that is on this machine.
pub(super) async fn phone_later(shared: Arc<Shared>, id: String, after: Duration) {
    tokio::time::sleep(after).await;
    let Ok(url) = finish_on_phone(&shared, &id, None, true) else {
        return;
    };
    if let Err(e) = open_redirect(&url).await {
        tracing::warn!("{e}");
    }
}

/// The phone's browser following the redirect to the app's callback: the one way the
/// simulated phone comes back (its own timer, the demo's buttons, the demo's command line).
/// Only to this machine.
pub async fn open_redirect(url: &str) -> Result<(), String> {
    let loopback = url::Url::parse(url)
        .ok()
        .is_some_and(|u| crate::api::on_this_machine(&u));
    if !loopback {
        return Err("the simulated phone only follows callbacks on this machine".into());
    }
    let client = crate::api::http::for_loopback(Duration::from_secs(10))
        .map_err(|e| format!("the simulated phone could not start: {e}"))?;
    client
        .get(url)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("the simulated phone could not reach the callback: {e}"))
}

/// Records the phone's verdict and builds the redirect to the session's callback URL.
pub(super) fn finish_on_phone(
    shared: &Shared,
    id: &str,
    token: Option<&str>,
    pass: bool,
) -> Result<String, PhoneError> {
    let now = shared.now();
    let ttl = shared.config.link_ttl;
    let mut st = shared.state();
    let Some(TaskKind::Session(s)) = st.tasks.get_mut(id) else {
        return Err(PhoneError::UnknownSession);
    };
    if token.is_some_and(|t| t != s.token) {
        return Err(PhoneError::BadToken);
    }
    if s.phase != Phase::Waiting {
        return Err(PhoneError::AlreadyFinished);
    }
    if now > s.created + ttl {
        return Err(PhoneError::Expired);
    }
    s.phase = if pass { Phase::Passed } else { Phase::Failed };
    let mut url = url::Url::parse(&s.callback_url).map_err(|_| PhoneError::UnknownSession)?;
    url.query_pairs_mut()
        .append_pair("resultCode", if pass { "10000" } else { "10001" })
        .append_pair("bytedToken", &s.token);
    if !pass {
        url.query_pairs_mut()
            .append_pair("resultMsg", "face liveness verification did not pass");
    }
    Ok(url.to_string())
}
