//! The rows a save writes on the roster: the session (over the version read), its changed
//! assets, its log entries.

use super::*;

/// Writes the session row (see the SQLite store's twin): over the version read, never over a
/// live lease of another engine. Returns the version now stored.
pub(super) fn write_session(
    tx: &mut impl GenericClient,
    s: &Session,
    now: Millis,
    plan: &Plan<'_>,
    lease: &Lease,
) -> Result<i64, StoreError> {
    let stage = s.stage().word();
    let busy = s.rendering();
    let person = text(&s.person);
    let kiosk = text(&lease.kiosk);
    let row = if let Some(v) = plan.expected {
        let sql = format!(
            "UPDATE sessions SET person = $2, updated_at = $3, stage = $4, data = $5,
                 version = version + 1, busy = $10,
                 lease_owner = $7, lease_kiosk = $8, lease_until = {NOW_MS} + $9
             WHERE id = $1 AND version = $6
               AND (lease_owner IS NULL OR lease_owner = $7 OR lease_until < {NOW_MS})
             RETURNING version"
        );
        tx.query_opt(
            &sql,
            &[
                &s.id,
                &person,
                &now,
                &stage,
                &plan.data,
                &v,
                &lease.owner,
                &kiosk,
                &lease.length_ms(),
                &busy,
            ],
        )?
    } else {
        let sql = format!(
            "INSERT INTO sessions (id, person, kiosk, created_at, updated_at, stage, data,
                 version, lease_owner, lease_kiosk, lease_until, busy)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $3, {NOW_MS} + $9, $10)
             ON CONFLICT (id) DO UPDATE SET person = $2, updated_at = $5, stage = $6,
                 data = $7, version = sessions.version + 1, lease_owner = $8, busy = $10,
                 lease_kiosk = $3, lease_until = {NOW_MS} + $9
               WHERE sessions.lease_owner IS NULL OR sessions.lease_owner = $8
                  OR sessions.lease_until < {NOW_MS}
             RETURNING version"
        );
        tx.query_opt(
            &sql,
            &[
                &s.id,
                &person,
                &kiosk,
                &s.created_at,
                &now,
                &stage,
                &plan.data,
                &lease.owner,
                &lease.length_ms(),
                &busy,
            ],
        )?
    };
    match row {
        Some(r) => get(&r, 0),
        None => Err(StoreError::Conflict(s.id.clone())),
    }
}

/// Appends log lines, in one statement (none when there are none). Returns how many.
pub(super) fn write_log(
    tx: &mut impl GenericClient,
    session: &str,
    now: Millis,
    events: &[(String, String)],
) -> Result<u64, StoreError> {
    if events.is_empty() {
        return Ok(0);
    }
    let kinds: Vec<_> = events.iter().map(|(k, _)| text(k)).collect();
    let details: Vec<_> = events.iter().map(|(_, d)| text(d)).collect();
    Ok(tx.execute(
        "INSERT INTO events (session_id, at, kind, detail)
         SELECT $1, $2, k, d FROM UNNEST($3::text[], $4::text[]) AS e(k, d)",
        &[&session, &now, &kinds, &details],
    )?)
}

/// Writes the asset rows that changed, in one statement. Returns how many.
pub(super) fn write_assets(
    tx: &mut impl GenericClient,
    session: &str,
    plan: &Plan<'_>,
) -> Result<u64, StoreError> {
    if plan.changed.is_empty() {
        return Ok(0);
    }
    let rows = &plan.changed;
    let ids: Vec<i64> = rows.iter().map(|r| i64::from(r.asset.id)).collect();
    let names: Vec<_> = rows.iter().map(|r| text(&r.asset.name)).collect();
    let sources: Vec<String> = rows
        .iter()
        .map(|r| text(&r.asset.source.display()).into_owned())
        .collect();
    let kinds: Vec<&str> = rows.iter().map(|r| r.asset.kind.as_str()).collect();
    let statuses: Vec<&str> = rows.iter().map(|r| r.status).collect();
    let urls: Vec<Option<_>> = rows.iter().map(|r| r.asset_url.map(text)).collect();
    let data: Vec<&str> = rows.iter().map(|r| r.data.as_str()).collect();
    Ok(tx.execute(
        "INSERT INTO assets (session_id, asset_id, name, source, kind, status, asset_url, data)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                                  $7::text[], $8::text[])
         ON CONFLICT (session_id, asset_id) DO UPDATE SET
           name = EXCLUDED.name, source = EXCLUDED.source, kind = EXCLUDED.kind,
           status = EXCLUDED.status, asset_url = EXCLUDED.asset_url, data = EXCLUDED.data",
        &[
            &session, &ids, &names, &sources, &kinds, &statuses, &urls, &data,
        ],
    )?)
}
