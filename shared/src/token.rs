//! Personal appeal links: `/appeal/{token}`.
//!
//! A token is `base64url(appeal id ‖ expiry ‖ HMAC-SHA256(secret, purpose ‖ id ‖ expiry)[..16])`.
//! Only its SHA-256 hash is stored, so the database alone cannot produce a working link: a
//! message that carries the link is stored with [`STORED_LINK`] in its place, and the sender
//! puts the link in (from the appeal, its expiry and the key) only when it calls Reddit.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::domain::AppealId;

const PURPOSE: &[u8] = b"appealmod/appeal-link/v1";
/// Bytes of HMAC-SHA256 kept in a token: 128 bits, beyond guessing.
pub const MAC_LEN: usize = 16;
const RAW_LEN: usize = 8 + 8 + MAC_LEN;

/// A link token as it appears in a URL. Debug output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct FormToken(String);

impl std::fmt::Debug for FormToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormToken([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token we made (wrong shape or signature): answer 404.
    #[error("this appeal link is not valid")]
    Invalid,
    /// A token we made whose time is up: answer 410.
    #[error("this appeal link has expired")]
    Expired,
}

/// What a verified token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenClaims {
    pub appeal_id: AppealId,
    pub expires_at: DateTime<Utc>,
}

impl FormToken {
    /// Parses what came in the URL (shape only; call [`LinkSigner::verify`] to trust it).
    pub fn parse(s: &str) -> Result<Self, TokenError> {
        let s = s.trim();
        let expected = URL_SAFE_NO_PAD.encode([0u8; RAW_LEN]).len();
        if s.len() != expected
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(TokenError::Invalid);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database stores and looks up (hex SHA-256).
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// HMAC-SHA256 under one secret, kept apart by purpose: the project's one signing
/// primitive (appeal links here, the site's form tokens in `web`). A tag made for one
/// purpose never verifies for another, so operators manage a single secret.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer([redacted])")
    }
}

impl Signer {
    pub fn new(secret: &Secret) -> Self {
        Self {
            key: secret.expose().as_bytes().to_vec(),
        }
    }

    fn mac(&self, purpose: &[u8], payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).unwrap_or_else(|_| {
            // HMAC takes keys of any length; this branch cannot be reached.
            <Hmac<Sha256> as KeyInit>::new_from_slice(b"appealmod")
                .unwrap_or_else(|_| unreachable!())
        });
        mac.update(purpose);
        mac.update(payload);
        mac
    }

    /// The first [`MAC_LEN`] bytes of the tag of `payload` for `purpose`.
    pub fn tag(&self, purpose: &[u8], payload: &[u8]) -> [u8; MAC_LEN] {
        let full = self.mac(purpose, payload).finalize().into_bytes();
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }

    /// Checks a truncated tag in constant time.
    pub fn verify(&self, purpose: &[u8], payload: &[u8], tag: &[u8]) -> bool {
        tag.len() == MAC_LEN
            && self
                .mac(purpose, payload)
                .verify_truncated_left(tag)
                .is_ok()
    }
}

/// Signs and verifies appeal links with the configured `web.link_secret`.
#[derive(Clone, Debug)]
pub struct LinkSigner {
    signer: Signer,
}

impl LinkSigner {
    pub fn new(secret: &Secret) -> Self {
        Self {
            signer: Signer::new(secret),
        }
    }

    /// The token for an appeal; the same inputs always give the same token.
    pub fn sign(&self, appeal_id: AppealId, expires_at: DateTime<Utc>) -> FormToken {
        let mut raw = Vec::with_capacity(RAW_LEN);
        raw.extend_from_slice(&appeal_id.0.to_be_bytes());
        raw.extend_from_slice(&expires_at.timestamp().to_be_bytes());
        let tag = self.signer.tag(PURPOSE, &raw);
        raw.extend_from_slice(&tag);
        FormToken(URL_SAFE_NO_PAD.encode(raw))
    }

    /// Checks the signature (in constant time) and then the expiry.
    pub fn verify(&self, token: &FormToken, now: DateTime<Utc>) -> Result<TokenClaims, TokenError> {
        let claims = self.verify_signature(token)?;
        if now >= claims.expires_at {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// Checks only the signature: what a link we made says, even after its time is up. An
    /// expired link still names its appeal, so the site can show the appeal's status to its
    /// holder (expiry only ends new submissions) and tell a replaced link from a forged one.
    pub fn verify_signature(&self, token: &FormToken) -> Result<TokenClaims, TokenError> {
        let raw = URL_SAFE_NO_PAD
            .decode(token.0.as_bytes())
            .map_err(|_| TokenError::Invalid)?;
        if raw.len() != RAW_LEN {
            return Err(TokenError::Invalid);
        }
        let (payload, tag) = raw.split_at(16);
        if !self.signer.verify(PURPOSE, payload, tag) {
            return Err(TokenError::Invalid);
        }
        let id = i64::from_be_bytes(payload[..8].try_into().map_err(|_| TokenError::Invalid)?);
        let exp = i64::from_be_bytes(payload[8..16].try_into().map_err(|_| TokenError::Invalid)?);
        let expires_at = Utc
            .timestamp_opt(exp, 0)
            .single()
            .ok_or(TokenError::Invalid)?;
        Ok(TokenClaims {
            appeal_id: AppealId(id),
            expires_at,
        })
    }

    /// `{base}/appeal/{token}`.
    pub fn link(
        &self,
        public_base_url: &str,
        appeal_id: AppealId,
        expires_at: DateTime<Utc>,
    ) -> String {
        format!(
            "{}/appeal/{}",
            public_base_url.trim_end_matches('/'),
            self.sign(appeal_id, expires_at).expose()
        )
    }
}

/// What a stored message holds where the personal link goes. Only the sender replaces it,
/// at the moment it calls Reddit; nothing that can open an appeal is ever written to the
/// database.
pub const STORED_LINK: &str = "{appealmod:appeal-link}";

/// `text` with every personal link (`<scheme>://<host…>/appeal/<token>`) replaced by
/// [`STORED_LINK`]: for rows written before links were kept out of the database.
pub fn strip_links(text: &str) -> std::borrow::Cow<'_, str> {
    const PATH: &str = "/appeal/";
    let token_len = URL_SAFE_NO_PAD.encode([0u8; RAW_LEN]).len();
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    // Characters a link's scheme and host may hold: the start of the link is found by
    // walking back over them from "/appeal/" to "http".
    let in_url = |b: u8| !(b.is_ascii_whitespace() || b"()[]<>\"'".contains(&b));
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find(PATH) {
        let path_at = from + found;
        let token_at = path_at + PATH.len();
        let token_end = token_at + token_len;
        from = token_at;
        let whole_token = bytes.len() >= token_end
            && bytes[token_at..token_end].iter().all(|&b| is_token(b))
            && bytes.get(token_end).is_none_or(|&b| !is_token(b));
        if !whole_token {
            continue;
        }
        let mut start = path_at;
        while start > copied && in_url(bytes[start - 1]) {
            start -= 1;
        }
        let start = match text[start..path_at].find("http") {
            Some(i) => start + i,
            None => path_at,
        };
        out.push_str(&text[copied..start]);
        out.push_str(STORED_LINK);
        copied = token_end;
        from = token_end;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Every substring of `text` that is a token signed with `signer`: what a test looks for
/// in stored text (none may be there).
pub fn signed_tokens_in(text: &str, signer: &LinkSigner) -> Vec<AppealId> {
    let token_len = URL_SAFE_NO_PAD.encode([0u8; RAW_LEN]).len();
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !is_token(bytes[i]) {
            i += 1;
            continue;
        }
        let run_end = (i..bytes.len())
            .find(|&j| !is_token(bytes[j]))
            .unwrap_or(bytes.len());
        // A token may sit anywhere in a longer run of token characters.
        for start in i..run_end.saturating_sub(token_len - 1) {
            if let Ok(t) = FormToken::parse(&text[start..start + token_len])
                && let Ok(claims) = signer.verify_signature(&t)
            {
                found.push(claims.appeal_id);
            }
        }
        i = run_end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> LinkSigner {
        LinkSigner::new(&Secret::new("0123456789abcdef0123456789abcdef"))
    }

    #[test]
    fn round_trip_and_determinism() {
        let s = signer();
        let exp = Utc.timestamp_opt(2_000_000_000, 0).single().expect("time");
        let t = s.sign(AppealId(42), exp);
        assert_eq!(
            t,
            s.sign(AppealId(42), exp),
            "reminders recompute the same link"
        );
        let parsed = FormToken::parse(t.expose()).expect("shape");
        let now = Utc.timestamp_opt(1_900_000_000, 0).single().expect("time");
        assert_eq!(
            s.verify(&parsed, now),
            Ok(TokenClaims {
                appeal_id: AppealId(42),
                expires_at: exp
            })
        );
        assert_ne!(t.hash(), t.expose());
        assert_eq!(t.hash().len(), 64);
        assert!(!format!("{t:?}").contains(t.expose()));
    }

    #[test]
    fn tampered_other_key_and_expired() {
        let s = signer();
        let exp = Utc.timestamp_opt(2_000_000_000, 0).single().expect("time");
        let now = Utc.timestamp_opt(1_900_000_000, 0).single().expect("time");
        let t = s.sign(AppealId(7), exp);
        // Flip one character in each position: none may verify.
        for i in 0..t.expose().len() {
            let mut chars: Vec<char> = t.expose().chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let forged: String = chars.into_iter().collect();
            if let Ok(f) = FormToken::parse(&forged) {
                assert!(s.verify(&f, now).is_err(), "position {i} accepted");
            }
        }
        let other = LinkSigner::new(&Secret::new("another-secret-another-secret-123"));
        assert_eq!(other.verify(&t, now), Err(TokenError::Invalid));
        let later = Utc.timestamp_opt(2_000_000_001, 0).single().expect("time");
        assert_eq!(s.verify(&t, later), Err(TokenError::Expired));
        // The signature alone still holds after expiry, and still refuses forgeries.
        assert_eq!(
            s.verify_signature(&t),
            Ok(TokenClaims {
                appeal_id: AppealId(7),
                expires_at: exp
            })
        );
        assert_eq!(other.verify_signature(&t), Err(TokenError::Invalid));
        for bad in ["", "short", "../../etc/passwd", &"A".repeat(200), "%00%00"] {
            assert_eq!(FormToken::parse(bad), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn links_are_stripped_from_stored_text() {
        let s = signer();
        let exp = Utc.timestamp_opt(2_000_000_000, 0).single().expect("time");
        let link = s.link("https://appeals.example.org/", AppealId(9), exp);
        let text =
            format!("Hi u/x, please fill [the form]({link}) by Monday, or go to <{link}>.\n{link}");
        assert_eq!(signed_tokens_in(&text, &s), vec![AppealId(9); 3]);
        let stripped = strip_links(&text);
        assert_eq!(
            stripped,
            format!(
                "Hi u/x, please fill [the form]({STORED_LINK}) by Monday, or go to <{STORED_LINK}>.\n{STORED_LINK}"
            )
        );
        assert!(signed_tokens_in(&stripped, &s).is_empty());
        // Text without a link, or with something that only looks like one, is kept as is.
        for keep in [
            "no link here",
            "see /appeal/short and /appeal/",
            "https://x/appeal/",
        ] {
            assert!(
                matches!(strip_links(keep), std::borrow::Cow::Borrowed(_)),
                "{keep}"
            );
        }
    }
}
