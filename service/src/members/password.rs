//! Members' passwords: the rules a new one must pass, and argon2id hashes (the `argon2`
//! crate's defaults are OWASP's parameters: 19 MiB, two passes, one lane).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::ApiError;

/// Shortest and longest password accepted (the longest bounds the hashing work a request
/// can ask for).
pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 256;

/// Passwords people pick most often that are long enough to pass the length rule, lower
/// case; a new password may not be one of them, whatever its case.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "0123456789",
    "0987654321",
    "1111111111",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "a123456789",
    "abc1234567",
    "abcd123456",
    "abcdefghij",
    "administrator",
    "asdfghjkl1",
    "asdfghjkl;",
    "changeme123",
    "football123",
    "iloveyou12",
    "letmein123",
    "login12345",
    "monkey1234",
    "password01",
    "password1!",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "princess12",
    "q1w2e3r4t5",
    "qazwsxedc1",
    "qwerty1234",
    "qwerty12345",
    "qwertyuiop",
    "qwertyuiop1",
    "starwars12",
    "sunshine12",
    "superman12",
    "trustno1234",
    "welcome123",
    "welcome1234",
    "zaq12wsxcde",
    "zxcvbnm123",
    "companin123",
    "companin1234",
];

/// Checks a new password against the rules; `email` may not be (or contain) it either.
pub fn check(password: &str, email: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&chars) {
        return Err(ApiError::validation(
            "password",
            format!("must be {MIN_CHARS} to {MAX_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err(ApiError::validation(
            "password",
            "is one of the most common passwords; choose another",
        ));
    }
    let local = email.split('@').next().unwrap_or(email);
    if lower == email || (local.chars().count() >= MIN_CHARS && lower.contains(local)) {
        return Err(ApiError::validation(
            "password",
            "must not be your email address",
        ));
    }
    Ok(())
}

/// The PHC string of `password`'s argon2id hash, with a fresh salt.
pub fn hash(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// A hash of nothing anyone knows, checked when the account does not exist, so that an
/// unknown email takes as long to refuse as a wrong password.
static DECOY: LazyLock<Option<String>> = LazyLock::new(|| hash("companin-decoy-password").ok());

/// Whether `password` matches `stored` (a PHC string); with no stored hash, the decoy is
/// checked and the answer is no.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let (target, real) = match stored {
        Some(s) => (Some(s.to_owned()), true),
        None => (DECOY.clone(), false),
    };
    let Some(target) = target else {
        return false;
    };
    let Ok(parsed) = PasswordHash::new(&target) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_follow_the_rules() {
        assert!(check("correct horse battery", "ana@example.com").is_ok());
        for weak in [
            "short",
            "Password123",
            "QWERTYUIOP",
            &"x".repeat(MAX_CHARS + 1),
        ] {
            let err = check(weak, "ana@example.com").unwrap_err();
            assert_eq!(err.data.unwrap()["field"], "password", "{weak}");
        }
        assert!(check("ana.lopez@example.com", "ana.lopez@example.com").is_err());
        assert!(check("my ana.lopez.garcia pw", "ana.lopez.garcia@example.com").is_err());
    }

    #[test]
    fn hashes_are_argon2id_and_verify_only_their_password() {
        let stored = hash("correct horse battery").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("correct horse battery!", Some(&stored)));
        assert!(!verify("companin-decoy-password", None));
        assert!(!verify("anything", Some("not a phc string")));
    }
}
