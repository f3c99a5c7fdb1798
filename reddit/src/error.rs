//! What can go wrong talking to Reddit, split the way callers must branch on it.

use std::time::Duration;

use appealmod_core::domain::ConversationId;

/// Why the bot could not log in. Each message tells the operator which setting to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// HTTP 200 with `{"error": "invalid_grant"}` (or another grant error).
    #[error(
        "Reddit refused the bot's username or password ({code}): check reddit.username / \
         reddit.password (an account with two-factor authentication cannot use a script app)"
    )]
    BadUserCredentials { code: String },
    /// 401 from the token endpoint: HTTP Basic auth with the app's id and secret failed.
    #[error(
        "Reddit refused the app credentials (wrong client id or secret, HTTP 401 from the \
         token endpoint): check reddit.client_id / reddit.client_secret against \
         https://www.reddit.com/prefs/apps"
    )]
    BadClientCredentials,
    /// The API kept answering 401 right after a fresh token was issued.
    #[error(
        "Reddit answered 401 to `{call}` even with a fresh access token: the bot account may \
         lack the OAuth scope or was logged out; check the app type is \"script\""
    )]
    TokenRejected { call: &'static str },
    /// Anything else the token endpoint said that is not a token.
    #[error("Reddit's token endpoint gave no access token: {detail}")]
    Other { detail: String },
}

/// Errors of [`RedditClient`](crate::RedditClient) calls. `call` is the endpoint name used
/// in the counters (`list`, `get`, `reply`, …).
#[derive(Debug, thiserror::Error)]
pub enum RedditError {
    #[error(transparent)]
    Auth(#[from] AuthError),

    #[error("Reddit has no such {what} (404 on `{call}`)")]
    NotFound { call: &'static str, what: String },

    #[error(
        "Reddit refused `{call}` on {what} (403): is the bot account a moderator there with \
         the mail and access permissions?"
    )]
    Forbidden { call: &'static str, what: String },

    /// 429s kept coming after the configured number of waits.
    #[error(
        "Reddit's rate limit is spent (429 on `{call}`; retry in {retry_after:?}); another \
         program may be using the same app credentials"
    )]
    RateLimited {
        call: &'static str,
        retry_after: Duration,
    },

    /// 5xx on a read, after the configured retries.
    #[error(
        "Reddit answered HTTP {status} to `{call}` after {attempts} attempt(s); try again later"
    )]
    Server {
        call: &'static str,
        status: u16,
        attempts: u32,
    },

    /// A write (reply, archive, unarchive, mod note) may or may not have taken effect: it
    /// timed out, the connection broke after the request was sent, or Reddit answered 5xx.
    /// Read it back (the conversation, or the user's mod notes) before sending it again.
    #[error(
        "`{call}` on {what} may or may not have been applied ({reason}): read {what} back \
         before retrying"
    )]
    OutcomeUnknown {
        call: &'static str,
        /// The conversation written to; `None` for a mod note.
        conversation_id: Option<ConversationId>,
        /// What was written to ("conversation ik72", "the mod notes of u/x in r/y").
        what: String,
        reason: String,
    },

    /// Another 4xx: Reddit refused the request as made, so nothing was applied.
    #[error("Reddit refused `{call}` with HTTP {status}: {message}")]
    Rejected {
        call: &'static str,
        status: u16,
        message: String,
    },

    /// The request never got an answer (connection refused, DNS, timeout on a read after
    /// retries). For writes this is only returned when the request was certainly not sent.
    #[error(
        "could not reach Reddit for `{call}`: {detail} (check network access and \
         reddit.api_base_url / reddit.auth_base_url)"
    )]
    Transport { call: &'static str, detail: String },

    /// Reddit answered, but not in the shape this client knows.
    #[error("could not read Reddit's answer to `{call}`: {detail}")]
    Decode { call: &'static str, detail: String },
}

impl RedditError {
    /// True when the request certainly had no effect on Reddit, so sending it again cannot
    /// duplicate anything. `OutcomeUnknown` is the one case where it may have; `Decode`
    /// after a 2xx means it did.
    pub fn certainly_not_applied(&self) -> bool {
        !matches!(self, Self::OutcomeUnknown { .. } | Self::Decode { .. })
    }
}
