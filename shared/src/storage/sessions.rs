//! The console's sessions, kept on the server. The browser's cookie carries a random
//! [`SessionId`]; only its SHA-256 is stored, so the database alone cannot produce a
//! working cookie. A row is revoked at logout and when the bot finds its user removed from a
//! subreddit's moderators (in the transaction that records the new list,
//! `Tx::replace_moderators`); whether an unrevoked row is still good (its age, its idle
//! time) is the site's decision, from the times read here.

use chrono::{DateTime, Utc};
use rand::TryRngCore as _;
use sha2::{Digest, Sha256};

use super::column::{Millis, Text, read};
use super::{Result, Store, Tx};
use crate::domain::RedditUsername;

/// Bytes drawn for a session id (256 bits).
const ID_BYTES: usize = 32;

/// A session id as the cookie carries it: 32 bytes from the operating system's CSPRNG,
/// URL-safe base64. Never stored, never logged (its `Debug` is redacted).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    /// A fresh id from the operating system's random number generator.
    pub fn generate() -> std::result::Result<Self, rand::rand_core::OsError> {
        use base64::Engine as _;
        let mut bytes = [0u8; ID_BYTES];
        rand::rngs::OsRng.try_fill_bytes(&mut bytes)?;
        Ok(Self(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        ))
    }

    /// An id read back from a cookie: `None` unless it has the shape [`generate`] gives.
    ///
    /// [`generate`]: Self::generate
    pub fn parse(s: &str) -> Option<Self> {
        let shape = s.len() == ID_BYTES.div_ceil(3) * 4 - 1
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        shape.then(|| Self(s.to_owned()))
    }

    /// The id itself, for the cookie.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database holds instead of the id: its SHA-256, in hex.
    fn hash(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId([redacted])")
    }
}

/// One session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub user: RedditUsername,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// Set at logout, or when the bot found the user removed as a moderator.
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    display_name: Text<RedditUsername>,
    created_at: Millis,
    last_seen_at: Millis,
    revoked_at: Option<Millis>,
}

impl From<SessionRow> for StoredSession {
    fn from(r: SessionRow) -> Self {
        Self {
            user: r.display_name.0,
            created_at: r.created_at.0,
            last_seen_at: r.last_seen_at.0,
            revoked_at: r.revoked_at.map(|m| m.0),
        }
    }
}

impl Store {
    /// Records a new session of `user`, and deletes every session created before
    /// `expired_before` (past any login's lifetime: nothing can use them any more).
    pub async fn create_session(
        &self,
        id: &SessionId,
        user: &RedditUsername,
        now: DateTime<Utc>,
        expired_before: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE created_at < $1")
            .bind(Millis(expired_before))
            .execute(tx.conn())
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, username, display_name, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id.hash())
        .bind(user.key())
        .bind(user.as_str())
        .bind(Millis(now))
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// The session of `id`, if there is a row for it (revoked or not).
    pub async fn session(&self, id: &SessionId) -> Result<Option<StoredSession>> {
        let row = sqlx::query(
            "SELECT display_name, created_at, last_seen_at, revoked_at FROM sessions \
             WHERE id_hash = $1",
        )
        .bind(id.hash())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| read::<SessionRow>(&r, "sessions").map(StoredSession::from))
            .transpose()
    }

    /// Marks the session of `id` as used at `now` (never back in time, never once revoked).
    pub async fn touch_session(&self, id: &SessionId, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $2 \
             WHERE id_hash = $1 AND last_seen_at < $2 AND revoked_at IS NULL",
        )
        .bind(id.hash())
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends the session of `id` (logout): every copy of its cookie stops working.
    pub async fn revoke_session(&self, id: &SessionId, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE id_hash = $1 AND revoked_at IS NULL",
        )
        .bind(id.hash())
        .bind(Millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

impl Tx {
    /// Ends every session of the user whose key is `user_key`; returns how many were open.
    pub(crate) async fn revoke_sessions_of(
        &mut self,
        user_key: &str,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE username = $1 AND revoked_at IS NULL",
        )
        .bind(user_key)
        .bind(Millis(now))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_shaped_and_hashed() {
        let a = SessionId::generate().expect("os rng");
        let b = SessionId::generate().expect("os rng");
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        assert_eq!(SessionId::parse(a.expose()), Some(a.clone()));
        for bad in ["", "short", &format!("{}=", a.expose()), &"é".repeat(43)] {
            assert_eq!(SessionId::parse(bad), None, "{bad:?}");
        }
        assert_eq!(a.hash().len(), 64);
        assert!(!a.hash().contains(a.expose()));
        assert_eq!(format!("{a:?}"), "SessionId([redacted])");
    }
}
