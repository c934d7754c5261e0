//! The simulator's own routes: counters, injected faults, the clock.

use super::*;

pub(super) async fn sim_counters(State(shared): State<AppState>) -> Response {
    axum::Json(shared.state().counters.clone()).into_response()
}

pub(super) async fn sim_faults(State(shared): State<AppState>) -> Response {
    axum::Json(shared.state().faults.clone()).into_response()
}

pub(super) async fn sim_set_faults(
    State(shared): State<AppState>,
    axum::Json(f): axum::Json<Faults>,
) -> Response {
    shared.state().faults = f;
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub(super) struct Advance {
    secs: u64,
}

pub(super) async fn sim_advance(
    State(shared): State<AppState>,
    Query(a): Query<Advance>,
) -> Response {
    *crate::sim::lock(&shared.offset) += Duration::from_secs(a.secs);
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_sim/retire/{group}`: the upstream stops accepting assets for this group, as it may
/// for a group deleted or expired upstream.
pub(super) async fn sim_retire(
    State(shared): State<AppState>,
    Path(group): Path<String>,
) -> Response {
    let earlier = shared.config.accept_earlier_runs;
    if shared.state().retire(&group, earlier) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such group").into_response()
    }
}
