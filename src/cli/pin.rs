//! `avatar-kiosk kiosk set-pin`: the staff PIN kiosk mode asks for, set from a script or a
//! terminal. It is read from standard input, twice, and never from an argument or the
//! environment (both are visible to other programs on the machine).

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use crate::config::{Settings, pin};

/// Reads the PIN twice from `input` (one per line) and saves its hash in the settings of
/// `data_dir`. On a terminal the digits are not echoed. Returns what was done, or why not.
pub fn set_pin(data_dir: &Path) -> Result<String, String> {
    let (first, second) = if std::io::stdin().is_terminal() {
        let ask = |prompt: &str| {
            rpassword::prompt_password(prompt).map_err(|e| format!("could not read the PIN: {e}"))
        };
        (
            ask("New staff PIN (6 to 12 digits): ")?,
            ask("The same PIN again: ")?,
        )
    } else {
        let mut lines = std::io::stdin().lock();
        (read_line(&mut lines)?, read_line(&mut lines)?)
    };
    save(data_dir, &first, &second)
}

fn read_line(input: &mut impl BufRead) -> Result<String, String> {
    let mut line = String::new();
    let read = input
        .read_line(&mut line)
        .map_err(|e| format!("could not read the PIN from standard input: {e}"))?;
    if read == 0 {
        return Err(
            "standard input ended before the PIN was given twice: give it on two lines".into(),
        );
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Checks the two answers and saves the hash. Settings that cannot be read are not replaced
/// (the studio's other settings would be lost).
pub fn save(data_dir: &Path, first: &str, second: &str) -> Result<String, String> {
    match pin::check_new(first, second) {
        Ok(()) => {}
        Err(pin::NewPinProblem::Shape) => {
            return Err("the PIN must be 6 to 12 digits (0-9), nothing else".into());
        }
        Err(pin::NewPinProblem::Differ) => {
            return Err("the two PINs differ: nothing was changed; give the same PIN twice".into());
        }
    }
    let (mut settings, problem) = Settings::load(data_dir);
    if let Some(problem) = problem {
        return Err(format!(
            "{} The PIN was not saved, so as not to replace them.",
            problem.english()
        ));
    }
    let changed = settings.kiosk_pin_hash.is_some();
    settings.kiosk_pin_hash = Some(pin::hash_pin(first)?);
    settings
        .save(data_dir)
        .map_err(|e| format!("could not save the settings in {}: {e}", data_dir.display()))?;
    Ok(if changed {
        "The staff PIN is changed. Start the kiosk with --kiosk.".into()
    } else {
        "The staff PIN is set. Start the kiosk with --kiosk.".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_saved_only_when_valid_and_given_twice_the_same() {
        let dir = tempfile::tempdir().expect("dir");
        assert!(save(dir.path(), "12345", "12345").is_err());
        assert!(save(dir.path(), "12345a", "12345a").is_err());
        assert!(save(dir.path(), "123456", "123457").is_err());
        assert!(Settings::load(dir.path()).0.kiosk_pin_hash.is_none());
        save(dir.path(), "123456", "123456").expect("saved");
        let hash = Settings::load(dir.path()).0.kiosk_pin_hash.expect("hash");
        assert!(pin::pin_matches("123456", &hash) && !pin::pin_matches("654321", &hash));
        assert!(!hash.contains("123456"), "only the hash is kept");
    }

    #[test]
    fn unreadable_settings_are_not_replaced() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(crate::config::SETTINGS_FILE);
        std::fs::write(&path, b"{ not json").expect("write");
        assert!(save(dir.path(), "123456", "123456").is_err());
        assert_eq!(std::fs::read(&path).expect("read"), b"{ not json");
    }

    #[test]
    fn a_line_ends_at_its_newline_and_a_missing_line_is_said() {
        let mut input = std::io::Cursor::new(b"123456\r\n123456\n".to_vec());
        assert_eq!(read_line(&mut input).expect("first"), "123456");
        assert_eq!(read_line(&mut input).expect("second"), "123456");
        assert!(read_line(&mut input).expect_err("none").contains("twice"));
    }
}
