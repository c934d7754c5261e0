//! Reads the server's side of a connection's start, message by message, and stops it before
//! the driver answers a request for the password in clear text or as an MD5 hash: either can
//! be replayed or cracked by whoever answered as the database. Only SCRAM goes out.

/// Why a connection to the roster was refused by this desk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Insecure {
    /// The server asked for the password in clear text.
    #[error("the server asked for the password in clear text, which this app never sends")]
    Cleartext,
    /// The server asked for the password's MD5 hash.
    #[error(
        "the server asked for the password as an MD5 hash, which this app sends only when the address says require_auth=md5 and the server's certificate was verified"
    )]
    Md5,
    /// The server does not offer TLS where the address requires it.
    #[error("the server does not offer an encrypted connection")]
    NoTls,
    /// The server's certificate did not pass.
    #[error("the server's certificate was not accepted: {0}")]
    Certificate(String),
}

/// PostgreSQL's authentication request codes.
const AUTH_OK: u32 = 0;
const AUTH_CLEARTEXT: u32 = 3;
const AUTH_MD5: u32 = 5;

/// The state of the watch over the server's bytes.
#[derive(Debug)]
pub struct AuthWatch {
    allow_md5: bool,
    /// The server has accepted this desk: nothing more to watch.
    done: bool,
    /// The current message's first bytes: its type, its length, and for an authentication
    /// request its code.
    head: Vec<u8>,
    /// Bytes of the current message still to pass by.
    skip: usize,
}

impl AuthWatch {
    /// A watch for a connection's start.
    pub fn new(allow_md5: bool) -> AuthWatch {
        AuthWatch {
            allow_md5,
            done: false,
            head: Vec::with_capacity(9),
            skip: 0,
        }
    }

    /// Takes the next bytes the server sent. A request is judged as soon as its code has
    /// arrived, before the driver can have read the message whole.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Insecure> {
        while !bytes.is_empty() && !self.done {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            let want = if self.head.len() >= 5 && self.head[0] == b'R' {
                9
            } else {
                5
            };
            let n = (want - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.head.len() < want {
                continue;
            }
            let length =
                u32::from_be_bytes([self.head[1], self.head[2], self.head[3], self.head[4]]);
            let length = usize::try_from(length).unwrap_or(usize::MAX);
            if want == 5 && self.head[0] != b'R' {
                self.skip = length.saturating_sub(4);
                self.head.clear();
                continue;
            }
            if want == 5 {
                // An authentication request: its code comes next.
                continue;
            }
            let code = u32::from_be_bytes([self.head[5], self.head[6], self.head[7], self.head[8]]);
            match code {
                AUTH_OK => self.done = true,
                AUTH_CLEARTEXT => return Err(Insecure::Cleartext),
                AUTH_MD5 if !self.allow_md5 => return Err(Insecure::Md5),
                _ => {}
            }
            self.skip = length.saturating_sub(8);
            self.head.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(code: u32, extra: &[u8]) -> Vec<u8> {
        let mut m = vec![b'R'];
        let len = u32::try_from(8 + extra.len()).unwrap();
        m.extend_from_slice(&len.to_be_bytes());
        m.extend_from_slice(&code.to_be_bytes());
        m.extend_from_slice(extra);
        m
    }

    /// Byte by byte or whole: the request is judged the same.
    #[test]
    fn clear_text_and_md5_are_refused_however_the_bytes_arrive() {
        let md5 = auth(AUTH_MD5, &[1, 2, 3, 4]);
        for (message, allow_md5, expected) in [
            (auth(AUTH_CLEARTEXT, &[]), true, Err(Insecure::Cleartext)),
            (md5.clone(), false, Err(Insecure::Md5)),
            (md5, true, Ok(())),
            // SASL, naming SCRAM-SHA-256.
            (auth(10, b"SCRAM-SHA-256\0\0"), false, Ok(())),
        ] {
            let mut whole = AuthWatch::new(allow_md5);
            assert_eq!(whole.feed(&message), expected);
            let mut drip = AuthWatch::new(allow_md5);
            let dripped = message.iter().try_for_each(|b| drip.feed(&[*b]));
            assert_eq!(dripped, expected);
        }
    }

    /// Once the server has said OK, what follows (rows, notices) is not read as a request.
    #[test]
    fn after_the_server_accepts_nothing_is_judged() {
        let mut watch = AuthWatch::new(false);
        let mut stream = auth(10, b"SCRAM-SHA-256\0\0");
        stream.extend(auth(12, b"server-final"));
        stream.extend(auth(AUTH_OK, &[]));
        stream.extend(auth(AUTH_CLEARTEXT, &[]));
        assert_eq!(watch.feed(&stream), Ok(()));
        // An error from the server (another message type) is passed on for the driver to say.
        let mut watch = AuthWatch::new(false);
        let mut error = vec![b'E', 0, 0, 0, 9];
        error.extend_from_slice(b"Sbad\0");
        error.extend(auth(AUTH_CLEARTEXT, &[]));
        assert_eq!(watch.feed(&error), Err(Insecure::Cleartext));
    }
}
