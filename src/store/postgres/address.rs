//! A roster address, read as libpq reads it (`postgres://…` or `key=value …`), and the trust
//! it asks for: the options the driver knows go to `postgres::Config`; `sslmode`,
//! `sslrootcert`, `sslpin` and `require_auth` are this module's, since the driver knows none
//! of `verify-ca`, `verify-full`, a root file or a pinned certificate.

use std::path::PathBuf;
use std::time::Duration;

use postgres::config::{ChannelBinding, Host, SslMode, SslNegotiation};

use crate::store::StoreError;

pub use super::form::{split_password, with_default, with_password};

/// How the connection to the roster is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS (`sslmode=disable`): only to this machine.
    Plain,
    /// TLS when the server offers it, its certificate unchecked: only to this machine, where
    /// it is no worse than plain (the default there).
    Prefer,
    /// TLS without checking the certificate (`sslmode=require`), asked for by name, and then
    /// the password only by SCRAM with channel binding, which a server in the middle cannot
    /// answer.
    Require,
    /// TLS to a certificate from a trusted root, whatever name it carries (`verify-ca`).
    VerifyCa,
    /// TLS to a certificate from a trusted root, for the host's name (`verify-full`): the
    /// default off this machine.
    VerifyFull,
}

/// What a certificate is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The operating system's trusted roots.
    System,
    /// A studio's own certificate authority (`sslrootcert=FILE`, or Settings).
    File(PathBuf),
    /// One certificate, by the SHA-256 of its DER bytes (`sslpin=sha256:HEX`).
    Pin([u8; 32]),
}

/// The trust the address asks for, once checked against where it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    /// TLS.
    pub tls: TlsMode,
    /// What a certificate is checked against (verifying modes only).
    pub roots: Roots,
    /// `require_auth` names `md5`: an old server may take the password's MD5 hash, and only
    /// over TLS whose certificate was verified.
    pub allow_md5: bool,
    /// Every host is this machine (loopback or a Unix socket).
    pub local: bool,
}

/// A parsed roster address.
pub struct Address {
    /// What the driver is given.
    pub config: postgres::Config,
    /// What this app checks.
    pub security: Security,
}

/// How long a statement may wait for a lock another connection holds: a stuck desk (a
/// transaction left open by a desk that lost power) is said as "the roster is away".
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(4);
/// How long one statement may run.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long this desk's own transaction may sit idle before the server ends it (and its
/// locks): a desk that dies mid-save frees the others.
pub const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(15);
/// How long sent data may go unacknowledged before the connection counts as broken.
pub const TCP_USER_TIMEOUT: Duration = Duration::from_secs(20);

/// The keys this module reads and takes out before the driver sees the address.
const OURS: &[&str] = &[
    "sslmode",
    "sslrootcert",
    "sslpin",
    "require_auth",
    "channel_binding",
    "sslnegotiation",
];

impl Address {
    /// Reads `address`.
    pub fn parse(address: &str) -> Result<Address, StoreError> {
        let mut form = super::form::Form::read(address.trim())?;
        let take = |form: &mut super::form::Form, key: &str| form.take(key);
        let sslmode = take(&mut form, "sslmode");
        let rootcert = take(&mut form, "sslrootcert");
        let pin = take(&mut form, "sslpin");
        let require_auth = take(&mut form, "require_auth");
        for key in OURS {
            form.take(key);
        }
        let mut config: postgres::Config = form
            .write()
            .parse()
            .map_err(|e: postgres::Error| StoreError::BadUrl(e.to_string()))?;
        let local = is_local(&config)?;
        let tls = tls_mode(sslmode.as_deref(), local, pin.is_some())?;
        let roots = match (pin, rootcert) {
            (Some(pin), _) => Roots::Pin(read_pin(&pin)?),
            (None, Some(file)) if file != "system" => Roots::File(PathBuf::from(file)),
            (None, Some(_)) => Roots::System,
            (None, None) => Roots::System,
        };
        let allow_md5 = match require_auth.as_deref() {
            None => false,
            Some(list) => {
                let mut md5 = false;
                for method in list.split(',').map(str::trim) {
                    match method {
                        "scram-sha-256" => {}
                        "md5" => md5 = true,
                        other => {
                            return Err(StoreError::BadUrl(format!(
                                "require_auth={other} is not supported: use scram-sha-256 (or md5 for an old server, over a verified connection)"
                            )));
                        }
                    }
                }
                md5
            }
        };
        if config.get_hosts().iter().any(is_unix) {
            // The driver reads a Unix socket without this app's connector, so nothing could
            // stop a process squatting the socket from asking for the password in clear text.
            return Err(StoreError::BadUrl(
                "a Unix socket cannot be checked: give the server on this computer as host=127.0.0.1 (or localhost)".into(),
            ));
        }
        if tls == TlsMode::VerifyCa && roots == Roots::System {
            // Any public certificate chains to the system's roots: without the name checked,
            // that proves nothing (libpq refuses it too).
            return Err(StoreError::BadUrl(
                "sslmode=verify-ca needs the studio's CA (Settings, or sslrootcert=FILE): with the system's roots use verify-full".into(),
            ));
        }
        if config.get_hosts().is_empty() {
            // Only `hostaddr`: the address is also the name the certificate is checked for.
            for addr in config.get_hostaddrs().to_vec() {
                config.host(&addr.to_string());
            }
        }
        // The TLS negotiation is done by this app's connector (tls.rs), which sees the
        // socket first: it sends PostgreSQL's SSL request itself and then checks the
        // server as `tls` says.
        config.ssl_mode(SslMode::Require);
        config.ssl_negotiation(SslNegotiation::Direct);
        config.channel_binding(if tls == TlsMode::Require {
            ChannelBinding::Require
        } else {
            ChannelBinding::Prefer
        });
        protect(&mut config);
        Ok(Address {
            config,
            security: Security {
                tls,
                roots,
                allow_md5,
                local,
            },
        })
    }
}

/// Timeouts that keep a stuck server or another desk's stuck transaction from freezing this
/// desk: each becomes "the roster is away".
fn protect(config: &mut postgres::Config) {
    let ms = |d: Duration| d.as_millis();
    let ours = format!(
        "-c lock_timeout={} -c statement_timeout={} -c idle_in_transaction_session_timeout={}",
        ms(LOCK_TIMEOUT),
        ms(STATEMENT_TIMEOUT),
        ms(IDLE_IN_TRANSACTION)
    );
    let options = match config.get_options() {
        Some(given) if !given.trim().is_empty() => format!("{given} {ours}"),
        _ => ours,
    };
    config.options(&options);
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(5));
    }
    config.tcp_user_timeout(TCP_USER_TIMEOUT);
    config.application_name("avatar-kiosk");
    // A connection cut without a word (a switch, a NAT) is noticed in well under a minute.
    config.keepalives(true);
    config.keepalives_idle(Duration::from_secs(15));
    config.keepalives_interval(Duration::from_secs(5));
    config.keepalives_retries(3);
}

fn is_unix(host: &Host) -> bool {
    match host {
        Host::Tcp(_) => false,
        #[cfg(unix)]
        Host::Unix(_) => true,
    }
}

/// Whether every place the connection may go is this machine.
fn is_local(config: &postgres::Config) -> Result<bool, StoreError> {
    let hosts = config.get_hosts();
    let addrs = config.get_hostaddrs();
    if hosts.iter().any(is_unix) && (hosts.iter().any(|h| !is_unix(h)) || !addrs.is_empty()) {
        return Err(StoreError::BadUrl(
            "the address mixes a Unix socket with network hosts: give one or the other".into(),
        ));
    }
    if !addrs.is_empty() {
        return Ok(addrs.iter().all(std::net::IpAddr::is_loopback));
    }
    Ok(hosts.iter().all(|h| match h {
        Host::Tcp(name) => {
            let name = name.trim_start_matches('[').trim_end_matches(']');
            name.eq_ignore_ascii_case("localhost")
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    }))
}

/// The TLS mode for `sslmode` (libpq's words) to a local or a remote server.
fn tls_mode(sslmode: Option<&str>, local: bool, pinned: bool) -> Result<TlsMode, StoreError> {
    let mode = match sslmode {
        None | Some("prefer" | "allow") if local && !pinned => TlsMode::Prefer,
        // Off this machine, "prefer" would let a server in the middle choose plain text.
        None | Some("prefer" | "allow") => TlsMode::VerifyFull,
        Some("disable") if local => TlsMode::Plain,
        Some("disable") => {
            return Err(StoreError::BadUrl(
                "sslmode=disable is accepted only for a server on this computer: the roster's password and every person's data would cross the network in plain text".into(),
            ));
        }
        Some("require") if pinned => TlsMode::VerifyFull,
        Some("require") => TlsMode::Require,
        Some("verify-ca") => TlsMode::VerifyCa,
        Some("verify-full") => TlsMode::VerifyFull,
        Some(other) => {
            return Err(StoreError::BadUrl(format!(
                "sslmode={other} is not known: use verify-full (the default), verify-ca or require"
            )));
        }
    };
    Ok(mode)
}

/// `sha256:HEX` (colons between bytes allowed).
fn read_pin(pin: &str) -> Result<[u8; 32], StoreError> {
    let bad = || {
        StoreError::BadUrl(
            "sslpin must be sha256: followed by the certificate's 64 hexadecimal digits".into(),
        )
    };
    let hex: String = pin
        .strip_prefix("sha256:")
        .ok_or_else(bad)?
        .chars()
        .filter(|c| *c != ':')
        .collect();
    if hex.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
            .map_err(|_| bad())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_this_machine_the_default_is_a_verified_connection() {
        let remote = Address::parse("postgres://kim@db.lan/roster").unwrap();
        assert_eq!(remote.security.tls, TlsMode::VerifyFull);
        assert_eq!(remote.security.roots, Roots::System);
        assert!(!remote.security.local);
        let prefer = Address::parse("postgres://kim@db.lan/r?sslmode=prefer").unwrap();
        assert_eq!(prefer.security.tls, TlsMode::VerifyFull);
        let local = Address::parse("postgres://kim@127.0.0.1:5/r").unwrap();
        assert_eq!(local.security.tls, TlsMode::Prefer);
        assert!(local.security.local);
        let require = Address::parse("postgres://kim@db.lan/r?sslmode=require").unwrap();
        assert_eq!(require.security.tls, TlsMode::Require);
        assert_eq!(
            require.config.get_channel_binding(),
            ChannelBinding::Require
        );
        let err = Address::parse("postgres://kim@db.lan/r?sslmode=disable")
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("only for a server on this computer")
        );
        assert_eq!(
            Address::parse("postgres://k@localhost/r?sslmode=disable")
                .unwrap()
                .security
                .tls,
            TlsMode::Plain
        );
        let ca =
            Address::parse("host=db.lan user=k sslmode=verify-full sslrootcert=/etc/studio-ca.pem")
                .unwrap();
        assert_eq!(
            ca.security.roots,
            Roots::File(PathBuf::from("/etc/studio-ca.pem"))
        );
        let from_settings =
            super::super::form::with_default("postgres://k@db/r", "sslrootcert", "/ca.pem");
        let from_settings = Address::parse(&from_settings).unwrap();
        assert_eq!(from_settings.security.roots, Roots::File("/ca.pem".into()));
        let named = super::super::form::with_default(
            "host=db sslrootcert=/a.pem",
            "sslrootcert",
            "/ca.pem",
        );
        assert_eq!(named, "host=db sslrootcert=/a.pem");
        let pin = format!("sha256:{}", "ab".repeat(32));
        let pinned = Address::parse(&format!("postgres://k@db/r?sslpin={pin}")).unwrap();
        assert_eq!(pinned.security.roots, Roots::Pin([0xab; 32]));
        assert!(Address::parse("postgres://k@db/r?sslpin=sha256:12").is_err());
    }

    /// What could not be checked is refused: a Unix socket (the driver reads it without this
    /// app's connector), `verify-ca` against the system's roots (any public certificate
    /// chains to them); an address given only as `hostaddr` is checked under that address.
    #[test]
    fn what_cannot_be_checked_is_refused() {
        #[cfg(unix)]
        assert!(Address::parse("host=/var/run/postgresql user=k").is_err());
        assert!(Address::parse("postgres://k@db/r?sslmode=verify-ca").is_err());
        assert!(Address::parse("postgres://k@db/r?sslmode=verify-ca&sslrootcert=/ca.pem").is_ok());
        let only = Address::parse("hostaddr=127.0.0.1 user=k").unwrap();
        assert_eq!(only.config.get_hosts().len(), 1);
        assert!(only.security.local);
    }

    #[test]
    fn md5_only_by_name_and_timeouts_always() {
        let a = Address::parse("postgres://k@db/r?require_auth=scram-sha-256,md5").unwrap();
        assert!(a.security.allow_md5);
        assert!(Address::parse("postgres://k@db/r?require_auth=password").is_err());
        let options = a.config.get_options().unwrap_or_default().to_string();
        assert!(options.contains("lock_timeout=4000"), "{options}");
        assert!(options.contains("statement_timeout=10000"), "{options}");
        let given = Address::parse("host=db user=k options='-c search_path=x'").unwrap();
        let options = given.config.get_options().unwrap_or_default();
        assert!(options.starts_with("-c search_path=x "), "{options}");
        assert_eq!(a.config.get_tcp_user_timeout(), Some(&TCP_USER_TIMEOUT));
    }
}
