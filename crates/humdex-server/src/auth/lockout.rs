//! Lockout: after 5 failed sign-ins within 15 minutes, for one account or from one client
//! address, further attempts are refused unchecked until fewer than 5 of those failures are
//! within the last 15 minutes. Unknown account names are counted exactly like real ones, so
//! the lockout says nothing about who exists.
//!
//! Refused attempts are not counted, so a lockout ends 15 minutes after the failures that
//! caused it however hard someone keeps trying. The failures live in the store, so every node
//! sharing a database counts the same ones.

use humdex_store::FailureKey;
use jiff::{SignedDuration, Timestamp};

use super::login::Attempt;
use crate::AppState;
use crate::http::error::ApiError;

/// Failures within [`WINDOW`] that lock an account or address.
const MAX_FAILURES: u32 = 5;
/// How long a failure counts.
const WINDOW: SignedDuration = SignedDuration::from_mins(15);

fn keys<'a>(attempt: &Attempt<'a>, address: &'a str) -> Vec<FailureKey<'a>> {
    let mut keys = vec![FailureKey::Address(address)];
    keys.extend(attempt.account.map(FailureKey::Account));
    keys
}

/// How long `attempt`'s account or address stays locked, if it is locked.
pub(super) async fn locked_for(
    state: &AppState,
    attempt: &Attempt<'_>,
    now: Timestamp,
) -> Result<Option<SignedDuration>, ApiError> {
    let address = attempt.address.key();
    let mut longest = None;
    for key in keys(attempt, &address) {
        let failures = state
            .store
            .recent_login_failures(key, now - WINDOW, MAX_FAILURES)
            .await?;
        // Latest first: the last of them is the one whose expiry ends the lockout.
        if let Some(oldest) = failures.get(MAX_FAILURES as usize - 1) {
            let remaining = (*oldest + WINDOW).duration_since(now);
            longest = longest.max(Some(remaining));
        }
    }
    Ok(longest)
}

/// Counts a failed attempt under its address and, when it names one, its account.
pub(super) async fn count_failure(
    state: &AppState,
    attempt: &Attempt<'_>,
    now: Timestamp,
) -> Result<(), ApiError> {
    let address = attempt.address.key();
    state
        .store
        .record_login_failure(&keys(attempt, &address), now, now - WINDOW)
        .await?;
    Ok(())
}

/// Forgets the failures of an account that has just signed in. The address keeps its failures:
/// otherwise one valid account would let a client reset its count between guesses at others.
pub(super) async fn forgive(state: &AppState, account: &str) -> Result<(), ApiError> {
    state
        .store
        .forget_login_failures(FailureKey::Account(account))
        .await?;
    Ok(())
}

/// A duration as whole seconds, rounded up, at least 1: what `Retry-After` carries.
pub(crate) fn whole_seconds(duration: SignedDuration) -> u64 {
    let seconds = duration.as_secs() + i64::from(duration.subsec_nanos() > 0);
    u64::try_from(seconds).unwrap_or(0).max(1)
}
