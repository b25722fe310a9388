//! The password policy.

use crate::Invalid;
use std::fmt;

/// A password that meets the policy (at least 10 characters, at most 200).
/// Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let n = input.chars().count();
        if n < Self::MIN_CHARS {
            return Err(Invalid::new(format!("is too weak: use at least {} characters", Self::MIN_CHARS)));
        }
        if n > 200 {
            return Err(Invalid::new("must be at most 200 characters"));
        }
        if input.trim().is_empty() {
            return Err(Invalid::new("must not be only spaces"));
        }
        Ok(Self(input.to_owned()))
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("123456789").is_err());
        assert!(Password::parse("1234567890").is_ok());
        assert!(Password::parse("          ").is_err());
        assert_eq!(format!("{:?}", Password::parse("secret-password").unwrap()), "Password(<redacted>)");
    }
}
