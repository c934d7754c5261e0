//! What a save costs in a session of 1,000 rows while one row changes at a time (an upload
//! finishing, a review verdict): a store that read the session writes the changed row only; the
//! baseline in the same run writes every row, as a store that never read the session does (and
//! as every save did before). Prints rows written and time per save, and their ratios.
//!
//! Then what one review poll costs the store (a verdict arriving for one row of a 20-row
//! session: one save) on SQLite and, when `AVATAR_KIOSK_TEST_POSTGRES` names a server, on the
//! shared roster in the same run: statements sent and time per save.
//!
//! `cargo bench --bench store`

// A benchmark program: a failed setup step should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Instant;

use avatar_kiosk::flow::sample::reviewed_session;
use avatar_kiosk::flow::{AssetState, Session};
use avatar_kiosk::store::testing::PgDatabase;
use avatar_kiosk::store::{Lease, PgStore, SessionStore, Store};

const ROWS: u32 = 1000;
const SAVES: usize = 200;

/// The next save's session: row `i` gets a new review verdict (new in each run).
fn touch(s: &mut Session, run: &str, i: usize) {
    let n = s.assets.len();
    s.assets[i % n].state = AssetState::Failed {
        code: Some("FaceMismatch".into()),
        message: Some(format!("verdict {run} {i}")),
    };
}

/// Saves `SAVES` one-row changes; returns seconds and rows written per save.
fn run(store: &mut Store, s: &mut Session, reopen: bool, path: &std::path::Path) -> (f64, f64) {
    let mut rows = 0u64;
    let mut secs = 0.0;
    for i in 0..SAVES {
        touch(s, if reopen { "all" } else { "changed" }, i);
        if reopen {
            // A store that has not read the session writes every row (opening is not timed).
            *store = Store::open(path).unwrap();
        }
        let before = rows_written(store);
        let start = Instant::now();
        store.save(s, i as i64, &[]).unwrap();
        secs += start.elapsed().as_secs_f64();
        rows += rows_written(store) - before;
    }
    (secs, rows as f64 / SAVES as f64)
}

fn rows_written(store: &Store) -> u64 {
    store.total_changes()
}

/// One save per poll that brought news (a poll that changes nothing saves nothing): returns
/// statements and milliseconds per save.
fn polls(store: &mut dyn SessionStore, name: &str) -> (f64, f64) {
    let mut s = reviewed_session(name, "Poll", 20, 1);
    store.save(&s, 0, &[]).unwrap();
    let before = store.statements();
    let start = Instant::now();
    for i in 0..SAVES {
        touch(&mut s, name, i);
        store.save(&s, i as i64, &[]).unwrap();
    }
    let n = SAVES as f64;
    (
        (store.statements() - before) as f64 / n,
        1000.0 * start.elapsed().as_secs_f64() / n,
    )
}

fn main() {
    rows_per_save();
    let dir = tempfile::tempdir().unwrap();
    let lease = Lease::new("bench", Lease::LENGTH);
    let mut sqlite = Store::open_in(dir.path())
        .unwrap()
        .with_lease(lease.clone());
    let (q_lite, ms_lite) = polls(&mut sqlite, "lite");
    println!("a review poll with news, a 20-row session ({SAVES} polls):");
    println!("  SQLite:     {q_lite:.1} statements, {ms_lite:.2} ms a save");
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let mut pg = PgStore::connect(&db.url, lease).unwrap();
    let (q_pg, ms_pg) = polls(&mut pg, "pg");
    println!("  PostgreSQL: {q_pg:.1} statements, {ms_pg:.2} ms a save (loopback)");
    println!(
        "  ratio PostgreSQL/SQLite: statements {:.2}, time {:.2}",
        q_pg / q_lite,
        ms_pg / ms_lite
    );
}

fn rows_per_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(avatar_kiosk::store::DB_FILE);
    let mut s = reviewed_session("benchsession", "Bench", ROWS, 1);
    let mut store = Store::open(&path).unwrap();
    store.save(&s, 0, &[]).unwrap();
    let (t_all, r_all) = run(&mut store, &mut s, true, &path);
    let mut store = Store::open(&path).unwrap();
    let mut s = store.load("benchsession").unwrap().unwrap();
    let (t_changed, r_changed) = run(&mut store, &mut s, false, &path);
    println!("{SAVES} saves of a {ROWS}-row session, one row changed each time:");
    println!(
        "  every row (baseline): {:.2} ms a save, {r_all:.0} rows written",
        1000.0 * t_all / SAVES as f64
    );
    println!(
        "  changed rows only:    {:.2} ms a save, {r_changed:.0} rows written",
        1000.0 * t_changed / SAVES as f64
    );
    println!(
        "  ratio: time {:.3}, rows {:.3}",
        t_changed / t_all,
        r_changed / r_all
    );
}
