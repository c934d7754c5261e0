//! The staff PIN that kiosk mode asks for: its shape, and its argon2id hash in Settings (set in
//! the window or by `avatar-kiosk kiosk set-pin`, checked by the window).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Whether a PIN has the allowed shape: 6 to 12 digits.
pub fn pin_is_valid(pin: &str) -> bool {
    (6..=12).contains(&pin.len()) && pin.chars().all(|c| c.is_ascii_digit())
}

/// Why a new PIN typed twice is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewPinProblem {
    /// Not 6 to 12 digits.
    Shape,
    /// The two differ.
    Differ,
}

/// Whether a new PIN and its confirmation may be saved: the one rule for Settings and
/// `kiosk set-pin`.
pub fn check_new(pin: &str, again: &str) -> Result<(), NewPinProblem> {
    if !pin_is_valid(pin) {
        Err(NewPinProblem::Shape)
    } else if pin != again {
        Err(NewPinProblem::Differ)
    } else {
        Ok(())
    }
}

/// The argon2id hash of a PIN, as a PHC string (slow on purpose: run it off the UI thread).
pub fn hash_pin(pin: &str) -> Result<String, String> {
    let bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `pin` matches the stored hash (slow on purpose: run it off the UI thread).
pub fn pin_matches(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_pin_needs_its_shape_and_the_same_twice() {
        assert_eq!(check_new("12345", "12345"), Err(NewPinProblem::Shape));
        assert_eq!(check_new("123456", "123457"), Err(NewPinProblem::Differ));
        assert_eq!(check_new("123456", "123456"), Ok(()));
    }
}
