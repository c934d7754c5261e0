//! The roster's connection against servers that should not be trusted (fakes on loopback that
//! ask for the password the wrong way) and against the real one `.ci/run` starts.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use super::Insecure;
use crate::store::testing::PgDatabase;
use crate::store::{Lease, PgStore, StoreError};

const PASSWORD: &str = "correct-horse-battery";

/// How a fake server answers.
#[derive(Clone, Copy, Debug)]
enum Fake {
    /// Refuses TLS ('N') and asks for the password in clear text.
    PlainCleartext,
    /// Refuses TLS and asks for an MD5 hash.
    PlainMd5,
    /// TLS with a certificate of its own making, then clear text.
    TlsCleartext,
    /// TLS with a certificate of its own making, then MD5.
    TlsMd5,
}

/// One connection to a fake server; gives every byte the client sent after the server asked
/// for the password.
fn fake_server(fake: Fake) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::Builder::new()
        .name("fake-postgres".into())
        .spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            // A bound on a test that goes wrong, not a wait for something to happen.
            socket
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            let first = read_message_untyped(&mut socket);
            let tls = matches!(fake, Fake::TlsCleartext | Fake::TlsMd5);
            if first == [0x04, 0xd2, 0x16, 0x2f] {
                socket.write_all(if tls { b"S" } else { b"N" }).unwrap();
                if tls {
                    let mut stream = rustls::StreamOwned::new(server_tls(), socket);
                    read_message_untyped(&mut stream);
                    return ask_password(&mut stream, fake);
                }
                read_message_untyped(&mut socket);
            }
            ask_password(&mut socket, fake)
        })
        .unwrap();
    (port, handle)
}

fn read_message_untyped(s: &mut impl Read) -> Vec<u8> {
    let mut len = [0u8; 4];
    if s.read_exact(&mut len).is_err() {
        return Vec::new();
    }
    let mut body = vec![0u8; (u32::from_be_bytes(len) as usize).saturating_sub(4)];
    let _ = s.read_exact(&mut body);
    body
}

fn ask_password(s: &mut (impl Read + Write), fake: Fake) -> Vec<u8> {
    let request: &[u8] = match fake {
        Fake::PlainCleartext | Fake::TlsCleartext => &[b'R', 0, 0, 0, 8, 0, 0, 0, 3],
        Fake::PlainMd5 | Fake::TlsMd5 => &[b'R', 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4],
    };
    s.write_all(request).unwrap();
    s.flush().unwrap();
    let mut after = Vec::new();
    let _ = s.read_to_end(&mut after);
    after
}

fn server_tls() -> rustls::ServerConnection {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .unwrap();
    rustls::ServerConnection::new(Arc::new(config)).unwrap()
}

/// Fake servers that ask for the password in clear text or as MD5, plain or after a TLS
/// handshake with a certificate of their own, get neither the password nor its hash, with
/// the default settings and with `sslmode=require`.
#[test]
fn a_server_asking_for_the_password_the_wrong_way_gets_nothing() {
    for fake in [
        Fake::PlainCleartext,
        Fake::PlainMd5,
        Fake::TlsCleartext,
        Fake::TlsMd5,
    ] {
        for query in ["", "?sslmode=require"] {
            let (port, server) = fake_server(fake);
            let url = format!("postgres://kim:{PASSWORD}@localhost:{port}/roster{query}");
            let err = PgStore::connect(&url, Lease::new("fake", Lease::LENGTH))
                .err()
                .unwrap_or_else(|| panic!("{fake:?}{query}: connected"));
            let sent = server.join().unwrap();
            assert!(
                sent.is_empty(),
                "{fake:?}{query}: the client answered with {} bytes",
                sent.len()
            );
            let expected = match (fake, query) {
                (Fake::PlainCleartext | Fake::PlainMd5, "?sslmode=require") => Insecure::NoTls,
                (Fake::PlainCleartext | Fake::TlsCleartext, _) => Insecure::Cleartext,
                _ => Insecure::Md5,
            };
            assert!(
                matches!(&err, StoreError::Insecure(why) if *why == expected),
                "{fake:?}{query}: {err:?}"
            );
            assert!(!format!("{err} {err:?}").contains(PASSWORD));
        }
    }
}

/// Off this machine the certificate is verified by default: a server whose certificate no
/// root vouches for is refused before anything is sent (checked on loopback by giving the
/// address in the form a remote one would take: `verify-full`).
#[test]
fn an_unverifiable_certificate_is_refused_before_the_password() {
    let (port, server) = fake_server(Fake::TlsCleartext);
    let url = format!("postgres://kim:{PASSWORD}@localhost:{port}/roster?sslmode=verify-full");
    let err = PgStore::connect(&url, Lease::new("fake", Lease::LENGTH))
        .err()
        .unwrap();
    assert!(
        matches!(err, StoreError::Insecure(Insecure::Certificate(_))),
        "{err:?}"
    );
    drop(server.join());
}

/// The test server has TLS on with a certificate of its own making (as a studio's has): on
/// this machine the roster's connection is encrypted, not refused.
#[test]
fn a_server_with_its_own_certificate_is_reached_over_tls() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let mut store = PgStore::connect(&db.url, Lease::new("tls", Lease::LENGTH)).unwrap();
    let (server_on, ours) = store.encryption().unwrap();
    assert_eq!(
        ours, server_on,
        "encrypted exactly when the server offers it"
    );
}

/// Against the real server: `verify-full` to the studio's CA, and `require` with SCRAM's
/// channel binding, both connect; a CA that did not sign the server's certificate is refused.
#[test]
fn the_real_server_is_verified_against_the_studio_ca() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let Ok(ca) = std::env::var("AVATAR_KIOSK_TEST_POSTGRES_CA") else {
        assert!(std::env::var_os(crate::store::testing::PG_REQUIRED_ENV).is_none());
        return;
    };
    let lease = || Lease::new("tls", Lease::LENGTH);
    let sep = if db.url.contains('?') { '&' } else { '?' };
    let verified = format!("{}{sep}sslmode=verify-full&sslrootcert={ca}", db.url);
    let mut store = PgStore::connect(&verified, lease()).unwrap();
    assert_eq!(store.encryption().unwrap(), (true, true));
    let bound = format!("{}{sep}sslmode=require", db.url);
    PgStore::connect(&bound, lease()).unwrap();
    // The server's own certificate, pinned by its SHA-256 (beside the CA in the test
    // server's folder); another pin is refused.
    use rustls::pki_types::pem::PemObject;
    let server_crt = std::path::Path::new(&ca).with_file_name("server.crt");
    let der = rustls::pki_types::CertificateDer::from_pem_file(&server_crt).unwrap();
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let pin = {
        use sha2::Digest;
        hex(&sha2::Sha256::digest(der.as_ref()))
    };
    let pinned = format!("{}{sep}sslmode=verify-full&sslpin=sha256:{pin}", db.url);
    PgStore::connect(&pinned, lease()).unwrap();
    let other = format!("{}{sep}sslpin=sha256:{}", db.url, "ab".repeat(32));
    let err = PgStore::connect(&other, lease()).err().unwrap();
    assert!(
        matches!(err, StoreError::Insecure(Insecure::Certificate(_))),
        "{err:?}"
    );
    // A CA of another studio.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other-ca.pem");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(&other, made.cert.pem()).unwrap();
    let wrong = format!(
        "{}{sep}sslmode=verify-full&sslrootcert={}",
        db.url,
        other.display()
    );
    let err = PgStore::connect(&wrong, lease()).err().unwrap();
    assert!(
        matches!(err, StoreError::Insecure(Insecure::Certificate(_))),
        "{err:?}"
    );
}
