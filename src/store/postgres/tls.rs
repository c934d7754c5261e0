//! TLS to the roster: rustls, encrypting to whatever certificate the server has, as libpq's
//! `sslmode=prefer` and `require` do.

use std::sync::Arc;

use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::StoreError;

/// TLS for a server that offers it, as libpq does for `sslmode=prefer` and `require` (the
/// only modes this driver knows): the connection is encrypted, and the server's certificate
/// is not checked against a root, since a studio's server has a certificate of its own making
/// (Debian's `postgresql` turns TLS on with a self-signed one).
pub(super) fn connector() -> Result<MakeRustlsConnect, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(Unverified(provider.clone()));
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::BadUrl(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// Takes any certificate, and checks that the server holds its key (the handshake's
/// signatures), as libpq's `sslmode=require` does.
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use crate::store::testing::PgDatabase;
    use crate::store::{Lease, PgStore};

    /// The test server has TLS on with a certificate of its own making (as a studio's has):
    /// the roster's connection is encrypted, not refused.
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
}
