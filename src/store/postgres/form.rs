//! A roster address as text, in both forms the driver reads (`postgres://…` and libpq's
//! `key = value …`): its password taken out or put in, and options added, without changing
//! anything else.

use crate::store::StoreError;

/// What a query value keeps as it is: letters, digits and the characters a path or a
/// fingerprint is made of; everything else is percent-encoded.
const VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'/')
    .remove(b':')
    .remove(b',');

/// Splits a typed roster address into what may be written down and its password:
/// `postgres://kim:pw@db/roster` gives `postgres://kim@db/roster` and `pw`. Every form the
/// driver reads is covered: the user's part of a URL, `?password=`, and `password=` in the
/// `key = value` form, quoted or not, with spaces around `=`, with several hosts.
pub fn split_password(typed: &str) -> (String, Option<String>) {
    match Form::read(typed.trim()) {
        Ok(mut form) => {
            let password = form.take("password");
            (form.write(), password)
        }
        // Not an address at all: nothing in it can be told apart as a password.
        Err(_) => (typed.trim().to_string(), None),
    }
}

/// `address` with `password` put in (replacing any), in the address's own form.
pub fn with_password(address: &str, password: &str) -> String {
    match Form::read(address.trim()) {
        Ok(mut form) => {
            form.take("password");
            form.put("password", password);
            form.write()
        }
        Err(_) => address.to_string(),
    }
}

/// `address` with `key=value` added, unless it names `key` already (the studio's CA file
/// from Settings, for an address that names none).
pub fn with_default(address: &str, key: &str, value: &str) -> String {
    match Form::read(address.trim()) {
        Ok(mut form) => {
            if let Some(given) = form.take(key) {
                form.put(key, &given);
            } else {
                form.put(key, value);
            }
            form.write()
        }
        Err(_) => address.to_string(),
    }
}

/// An address as its parts: a URL's head (scheme, user, hosts, database) and its query, or
/// the `key=value` pairs.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Form {
    Url {
        scheme: String,
        user: Option<String>,
        password: Option<String>,
        rest: String,
        query: Vec<(String, String)>,
    },
    Pairs(Vec<(String, String)>),
}

impl Form {
    pub(super) fn read(s: &str) -> Result<Form, StoreError> {
        for scheme in ["postgresql://", "postgres://"] {
            if let Some(after) = s.strip_prefix(scheme) {
                return Ok(read_url(scheme, after));
            }
        }
        read_pairs(s).map(Form::Pairs)
    }

    /// Removes `key` and gives its last value.
    pub(super) fn take(&mut self, key: &str) -> Option<String> {
        let pairs = match self {
            Form::Url {
                password, query, ..
            } => {
                let in_user = if key == "password" {
                    password.take()
                } else {
                    None
                };
                let in_query = take_pairs(query, key);
                return in_query.or(in_user);
            }
            Form::Pairs(pairs) => pairs,
        };
        take_pairs(pairs, key)
    }

    pub(super) fn put(&mut self, key: &str, value: &str) {
        match self {
            Form::Url { password, .. } if key == "password" => {
                *password = Some(value.to_string());
            }
            Form::Url { query, .. } => query.push((key.into(), value.into())),
            Form::Pairs(pairs) => pairs.push((key.into(), value.into())),
        }
    }

    pub(super) fn write(&self) -> String {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        match self {
            Form::Url {
                scheme,
                user,
                password,
                rest,
                query,
            } => {
                let mut out = scheme.clone();
                if user.is_some() || password.is_some() {
                    let user = user.as_deref().unwrap_or("");
                    out.push_str(&utf8_percent_encode(user, NON_ALPHANUMERIC).to_string());
                    if let Some(p) = password {
                        // Encoded whole: a `%` or `@` in a password is itself, not an escape.
                        out.push(':');
                        out.push_str(&utf8_percent_encode(p, NON_ALPHANUMERIC).to_string());
                    }
                    out.push('@');
                }
                out.push_str(rest);
                if !query.is_empty() {
                    out.push('?');
                    let pairs: Vec<String> = query
                        .iter()
                        .map(|(k, v)| {
                            let k = utf8_percent_encode(k, NON_ALPHANUMERIC);
                            format!("{k}={}", utf8_percent_encode(v, VALUE))
                        })
                        .collect();
                    out.push_str(&pairs.join("&"));
                }
                out
            }
            Form::Pairs(pairs) => pairs
                .iter()
                .map(|(k, v)| {
                    let plain = !v.is_empty()
                        && !v
                            .chars()
                            .any(|c| c.is_whitespace() || c == '\'' || c == '\\');
                    if plain {
                        format!("{k}={v}")
                    } else {
                        let escaped = v.replace('\\', "\\\\").replace('\'', "\\'");
                        format!("{k}='{escaped}'")
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

fn take_pairs(pairs: &mut Vec<(String, String)>, key: &str) -> Option<String> {
    let mut found = None;
    pairs.retain(|(k, v)| {
        if k == key {
            found = Some(v.clone());
            false
        } else {
            true
        }
    });
    found
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// `user:password@host1:5432,host2/db?k=v`, after the scheme: split by hand, since several
/// hosts are no URL to a URL parser, and as the driver splits it: the credentials run to the
/// first `@` anywhere (a `/` in a password is part of it), then the hosts to the first `/` or
/// `?`; values are percent-decoded only (`+` is itself, as libpq reads it).
fn read_url(scheme: &str, after: &str) -> Form {
    let (userinfo, rest) = match after.split_once('@') {
        Some((info, rest)) => (Some(info), rest),
        None => (None, after),
    };
    let (head, query) = rest.split_once('?').unwrap_or((rest, ""));
    let hosts_end = head.find('/').unwrap_or(head.len());
    let (hosts, path) = head.split_at(hosts_end);
    let (user, password) = match userinfo {
        Some(info) => match info.split_once(':') {
            Some((u, p)) => (Some(decode(u)), Some(decode(p))),
            None => (Some(decode(info)), None),
        },
        None => (None, None),
    };
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect();
    Form::Url {
        scheme: scheme.to_string(),
        user,
        password,
        rest: format!("{hosts}{path}"),
        query,
    }
}

/// libpq's `key = value` form: spaces around `=` allowed, values quoted with `'` or not, `\`
/// escaping the next character.
fn read_pairs(s: &str) -> Result<Vec<(String, String)>, StoreError> {
    let mut pairs = Vec::new();
    let mut chars = s.chars().peekable();
    let bad = |why: &str| StoreError::BadUrl(format!("the roster address cannot be read: {why}"));
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(bad("each setting is key=value"));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.push(chars.next().ok_or_else(|| bad("a quote is open"))?),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(bad("a quote is open")),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        if key.is_empty() {
            return Err(bad("a setting has no name"));
        }
        pairs.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_password_is_taken_out() {
        let cases = [
            ("postgres://kim:p%40ss@db.lan:5432/roster", "p@ss"),
            (
                "postgres://kim@db.lan/roster?sslmode=require&password=a+b%20c",
                "a+b c",
            ),
            ("postgres://kim:pa/ss@db/r", "pa/ss"),
            ("host=db.lan user=kim password=pw dbname=r", "pw"),
            (
                "host=db.lan user=kim password = 'x y\\'z' dbname=r",
                "x y'z",
            ),
            ("host = db.lan password= \"q\" user=kim", "\"q\""),
            ("postgresql://kim:s3cret@db1:5432,db2:5433/roster", "s3cret"),
        ];
        for (typed, password) in cases {
            let (kept, found) = split_password(typed);
            assert_eq!(found.as_deref(), Some(password), "{typed}");
            assert!(!kept.contains(password), "{kept}");
            assert!(!kept.contains("password"), "{kept}");
            // What is kept still reads as an address, and the password goes back in.
            let back = with_password(&kept, password);
            assert_eq!(split_password(&back), (kept.clone(), Some(password.into())));
            let parsed = super::super::address::Address::parse(&back).unwrap();
            assert_eq!(
                parsed.config.get_password(),
                Some(password.as_bytes()),
                "{back}"
            );
        }
    }
}
