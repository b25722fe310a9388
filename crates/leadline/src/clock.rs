//! The server's clock. Calling windows, leases and retries read it, so that tests and
//! demos can fix it: `LEADLINE_NOW=<RFC 3339 time>` (a testing aid with no other effect).

use chrono::{DateTime, SubsecRound, Utc};
use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

/// The current time, or a fixed one. Clones share the setting.
#[derive(Clone, Debug)]
pub struct Clock(Arc<AtomicI64>);

/// Stored in the atomic when the clock follows the system time.
const SYSTEM: i64 = i64::MIN;

impl Clock {
    /// Follows the system time.
    #[must_use]
    pub fn system() -> Self {
        Self(Arc::new(AtomicI64::new(SYSTEM)))
    }

    /// Fixed at `LEADLINE_NOW` when it is set (and valid), else the system time.
    #[must_use]
    pub fn from_env() -> Self {
        let clock = Self::system();
        if let Ok(raw) = std::env::var("LEADLINE_NOW")
            && !raw.trim().is_empty()
        {
            match DateTime::parse_from_rfc3339(raw.trim()) {
                Ok(t) => clock.set(t.with_timezone(&Utc)),
                Err(e) => tracing::warn!("ignoring LEADLINE_NOW={raw}: {e}"),
            }
        }
        clock
    }

    /// Fixes the clock at `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        self.0.store(at.timestamp_millis(), Ordering::SeqCst);
    }

    /// Moves a fixed clock forward (or fixes it at now + `by`).
    pub fn advance(&self, by: chrono::Duration) {
        self.set(self.now() + by);
    }

    /// The time, at millisecond precision like every stored time.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        match self.0.load(Ordering::SeqCst) {
            SYSTEM => Utc::now().trunc_subsecs(3),
            ms => DateTime::from_timestamp_millis(ms).unwrap_or_else(Utc::now),
        }
    }

    #[must_use]
    pub fn is_fixed(&self) -> bool {
        self.0.load(Ordering::SeqCst) != SYSTEM
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}
