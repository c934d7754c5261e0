//! For tests, here and in `tests/`: a database of its own on the PostgreSQL server that
//! `AVATAR_KIOSK_TEST_POSTGRES` names (`.ci/run` starts one), dropped afterwards.

/// The server's address for tests (`postgres://user@127.0.0.1:PORT/postgres`).
pub const PG_ENV: &str = "AVATAR_KIOSK_TEST_POSTGRES";
/// Set (by `.ci/run`) when the PostgreSQL tests must run, not skip.
pub const PG_REQUIRED_ENV: &str = "AVATAR_KIOSK_REQUIRE_POSTGRES";

/// A fresh database, dropped with this value.
pub struct PgDatabase {
    admin: String,
    name: String,
    /// Its address.
    pub url: String,
}

impl PgDatabase {
    /// A fresh database, or `None` when no server is configured (a failure instead when one is
    /// required).
    pub fn create() -> Option<PgDatabase> {
        let Ok(admin) = std::env::var(PG_ENV) else {
            assert!(
                std::env::var_os(PG_REQUIRED_ENV).is_none(),
                "{PG_REQUIRED_ENV} is set but {PG_ENV} is not"
            );
            eprintln!("PostgreSQL tests skipped: {PG_ENV} is not set");
            return None;
        };
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        if let Err(e) = admin_sql(&admin, &format!("CREATE DATABASE {name}")) {
            panic!("cannot create a test database on the server in {PG_ENV}: {e}");
        }
        let mut url = match url::Url::parse(&admin) {
            Ok(u) => u,
            Err(e) => panic!("{PG_ENV} is not a postgres:// URL: {e}"),
        };
        url.set_path(&format!("/{name}"));
        Some(PgDatabase {
            admin,
            name,
            url: url.to_string(),
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = admin_sql(&self.admin, &sql) {
            eprintln!("test database {} left behind: {e}", self.name);
        }
    }
}

/// Runs SQL as the server's administrator, on a thread of its own: the blocking client starts
/// a runtime, which it cannot do on one (an async test).
fn admin_sql(admin: &str, sql: &str) -> Result<(), String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut c =
                    postgres::Client::connect(admin, postgres::NoTls).map_err(|e| e.to_string())?;
                c.batch_execute(sql).map_err(|e| e.to_string())
            })
            .join()
            .unwrap_or_else(|_| Err("the thread panicked".into()))
    })
}
