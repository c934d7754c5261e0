//! The roster's connection: PostgreSQL's SSL request, then TLS checked as the address asks
//! (address.rs), and a watch on the server's authentication requests (guard.rs) so that the
//! password leaves this desk only by SCRAM.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use postgres::Socket;
use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio_rustls::TlsConnector;

use super::address::{Roots, Security, TlsMode};
use super::guard::{AuthWatch, Insecure};
use crate::store::StoreError;

/// PostgreSQL's SSLRequest: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// Makes one connection's TLS, and keeps what it refused for the error said to staff.
#[derive(Clone)]
pub(super) struct Connector {
    security: Arc<Security>,
    rustls: TlsConnector,
    refused: Arc<Mutex<Option<Insecure>>>,
}

impl Connector {
    /// The connector for `security`: roots are read now, so a missing CA file is said at once.
    pub(super) fn new(security: Security) -> Result<Connector, StoreError> {
        let config = client_config(&security)?;
        Ok(Connector {
            security: Arc::new(security),
            rustls: TlsConnector::from(Arc::new(config)),
            refused: Arc::new(Mutex::new(None)),
        })
    }

    /// A copy for one attempt, with its own record of a refusal.
    pub(super) fn attempt(&self) -> Connector {
        Connector {
            refused: Arc::new(Mutex::new(None)),
            ..self.clone()
        }
    }

    /// What this attempt refused, if anything.
    pub(super) fn refused(&self) -> Option<Insecure> {
        self.refused.lock().ok().and_then(|mut r| r.take())
    }
}

fn refuse(slot: &Mutex<Option<Insecure>>, why: Insecure) -> io::Error {
    let error = io::Error::new(io::ErrorKind::PermissionDenied, why.to_string());
    if let Ok(mut s) = slot.lock() {
        *s = Some(why);
    }
    error
}

impl MakeTlsConnect<Socket> for Connector {
    type Stream = Guarded;
    type TlsConnect = Attempt;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<Attempt, io::Error> {
        let name = ServerName::try_from(domain.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(Attempt {
            tls: self.rustls.clone(),
            name,
            security: self.security.clone(),
            refused: self.refused.clone(),
        })
    }
}

/// One connection's negotiation.
pub(super) struct Attempt {
    tls: TlsConnector,
    name: ServerName<'static>,
    security: Arc<Security>,
    refused: Arc<Mutex<Option<Insecure>>>,
}

type Rustls = tokio_rustls::client::TlsStream<Socket>;

impl TlsConnect<Socket> for Attempt {
    type Stream = Guarded;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Guarded>> + Send>>;

    fn connect(self, mut socket: Socket) -> Self::Future {
        Box::pin(async move {
            let Attempt {
                tls,
                name,
                security,
                refused,
            } = self;
            let plain = |socket| Guarded::new(Inner::Plain(socket), false, refused.clone());
            if security.tls == TlsMode::Plain {
                return Ok(plain(socket));
            }
            socket.write_all(&SSL_REQUEST).await?;
            let mut answer = [0u8];
            socket.read_exact(&mut answer).await?;
            match answer[0] {
                b'S' => {}
                b'N' if security.tls == TlsMode::Prefer => return Ok(plain(socket)),
                _ => return Err(refuse(&refused, Insecure::NoTls)),
            }
            let stream = match tls.connect(name, socket).await {
                Ok(s) => s,
                Err(e) => {
                    let why = e
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                        .map(|r| Insecure::Certificate(r.to_string()));
                    return Err(match why {
                        Some(why) => refuse(&refused, why),
                        None => e,
                    });
                }
            };
            let verified = matches!(security.tls, TlsMode::VerifyCa | TlsMode::VerifyFull);
            Ok(Guarded::new(
                Inner::Tls(Box::new(stream)),
                security.allow_md5 && verified,
                refused,
            ))
        })
    }
}

enum Inner {
    Plain(Socket),
    Tls(Box<Rustls>),
}

/// The connection, watched until the server accepts this desk.
pub(super) struct Guarded {
    inner: Inner,
    watch: AuthWatch,
    refused: Arc<Mutex<Option<Insecure>>>,
}

impl Guarded {
    fn new(inner: Inner, allow_md5: bool, refused: Arc<Mutex<Option<Insecure>>>) -> Guarded {
        Guarded {
            inner,
            watch: AuthWatch::new(allow_md5),
            refused,
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let read = match &mut this.inner {
            Inner::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        };
        if let Poll::Ready(Ok(())) = read
            && let Err(why) = this.watch.feed(&buf.filled()[before..])
        {
            // The bytes stay unread by the driver: it never answers the request.
            buf.set_filled(before);
            return Poll::Ready(Err(refuse(&this.refused, why)));
        }
        read
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_write(cx, data),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, data),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_flush(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

impl TlsStream for Guarded {
    fn channel_binding(&self) -> ChannelBinding {
        match &self.inner {
            Inner::Plain(_) => ChannelBinding::none(),
            Inner::Tls(s) => s
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|certs| certs.first())
                .map_or_else(ChannelBinding::none, |cert| {
                    ChannelBinding::tls_server_end_point(server_end_point(cert.as_ref()))
                }),
        }
    }
}

/// RFC 5929's `tls-server-end-point`: the certificate's hash by the hash of its signature
/// (SHA-256 for SHA-1, MD5 and SHA-256 signatures), as the server computes it for SCRAM's
/// channel binding.
fn server_end_point(cert: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    const SHA384: [&[u8]; 2] = [
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c],
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],
    ];
    const SHA512: [&[u8]; 2] = [
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d],
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
    ];
    let oid = signature_oid(cert).unwrap_or_default();
    if SHA384.contains(&oid) {
        sha2::Sha384::digest(cert).to_vec()
    } else if SHA512.contains(&oid) {
        sha2::Sha512::digest(cert).to_vec()
    } else {
        sha2::Sha256::digest(cert).to_vec()
    }
}

/// The certificate's signature algorithm: `Certificate ::= SEQUENCE { tbsCertificate,
/// signatureAlgorithm SEQUENCE { algorithm OID, .. }, .. }`, read with just enough DER.
fn signature_oid(cert: &[u8]) -> Option<&[u8]> {
    /// One DER element: its tag, its contents and what follows it.
    fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = der.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }
    let (_, certificate, _) = element(cert)?;
    let (_, _tbs, after_tbs) = element(certificate)?;
    let (_, algorithm, _) = element(after_tbs)?;
    let (tag, oid, _) = element(algorithm)?;
    (tag == 0x06).then_some(oid)
}

/// rustls set up to check the server as `security` says.
fn client_config(security: &Security) -> Result<rustls::ClientConfig, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::BadUrl(e.to_string()))?;
    let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> =
        match (security.tls, &security.roots) {
            (TlsMode::Plain | TlsMode::Prefer | TlsMode::Require, _) => Arc::new(Loose {
                pin: None,
                provider,
            }),
            (_, Roots::Pin(pin)) => Arc::new(Loose {
                pin: Some(*pin),
                provider,
            }),
            (mode, roots) => {
                let store = Arc::new(root_store(roots)?);
                let webpki =
                    rustls::client::WebPkiServerVerifier::builder_with_provider(store, provider)
                        .build()
                        .map_err(|e| StoreError::BadUrl(e.to_string()))?;
                if mode == TlsMode::VerifyCa {
                    Arc::new(AnyName(webpki))
                } else {
                    webpki
                }
            }
        };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn root_store(roots: &Roots) -> Result<rustls::RootCertStore, StoreError> {
    use rustls::pki_types::pem::PemObject;
    let mut store = rustls::RootCertStore::empty();
    match roots {
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(StoreError::BadUrl(
                    "this computer has no trusted root certificates to check the roster's server with: give the studio's CA file in Settings (or sslrootcert=FILE)".into(),
                ));
            }
        }
        Roots::File(path) => {
            let unreadable = |e: &dyn std::fmt::Display| {
                StoreError::BadUrl(format!(
                    "the CA file {} cannot be read: {e}",
                    path.display()
                ))
            };
            let certs = rustls::pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| unreadable(&e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| unreadable(&e))?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(unreadable(&"it holds no certificate"));
            }
        }
        Roots::Pin(_) => {}
    }
    Ok(store)
}

/// One certificate by its SHA-256 (`sslpin`), or any certificate, as libpq's
/// `sslmode=require` (and `prefer` on this machine). The server must hold the certificate's
/// key either way; its name is not checked. With `require` the password goes only by SCRAM
/// with channel binding, which ties it to this certificate.
#[derive(Debug)]
struct Loose {
    pin: Option<[u8; 32]>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for Loose {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        use sha2::Digest;
        let Some(pin) = &self.pin else {
            return Ok(rustls::client::danger::ServerCertVerified::assertion());
        };
        let seen: [u8; 32] = sha2::Sha256::digest(end_entity.as_ref()).into();
        if subtle::ConstantTimeEq::ct_eq(&seen[..], &pin[..]).into() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the server's certificate is not the pinned one (sslpin)".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `verify-ca`: the chain must reach a trusted root; the name is not checked.
#[derive(Debug)]
struct AnyName(Arc<rustls::client::WebPkiServerVerifier>);

impl rustls::client::danger::ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(rustls::client::danger::ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
