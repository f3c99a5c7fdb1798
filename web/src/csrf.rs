//! Cross-site request forgery protection for every POST.
//!
//! Two independent checks, both required:
//! 1. Where the request comes from: browsers send `Sec-Fetch-Site` and/or `Origin` on form
//!    posts. A cross-site value is refused. When neither header is present (old browsers,
//!    scripts) the token alone decides.
//! 2. A signed, expiring token in a hidden field, bound to the form it was issued for:
//!    `base64url(issued_at ‖ HMAC-SHA256(key, purpose ‖ form id ‖ issued_at)[..16])`.
//!    No server-side state and no cookie are needed, and a token for one appeal's form is
//!    useless on another's.

use actix_web::HttpRequest;
use actix_web::http::header;
use appealmod_shared::config::Secret;
use appealmod_shared::token::{MAC_LEN, Signer};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};

const PURPOSE: &[u8] = b"appealmod/csrf/v1";
const RAW_LEN: usize = 8 + MAC_LEN;
/// Long enough to write a thoughtful appeal; short enough that a leaked page goes stale.
pub const TOKEN_TTL: Duration = Duration::hours(12);
/// Clocks of several site instances may disagree a little.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// Why a POST was refused. Shown to the user in general terms only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    #[error("the form was sent from another site")]
    CrossSite,
    #[error("the form token is missing")]
    Missing,
    #[error("the form token is not valid")]
    Invalid,
    #[error("the form token has expired")]
    Expired,
}

/// Issues and checks form tokens. The key is derived from the link secret so that operators
/// manage one secret, while a form token can never pass as an appeal link (other purpose).
#[derive(Clone, Debug)]
pub struct CsrfKey {
    signer: Signer,
}

/// What a form token signs: the form and the time it was issued.
fn payload(form_id: &str, issued: i64) -> Vec<u8> {
    let mut p = Vec::with_capacity(16 + form_id.len());
    // Length prefix: ("ab", …) and ("a", "b…") must not collide.
    p.extend_from_slice(&(form_id.len() as u64).to_be_bytes());
    p.extend_from_slice(form_id.as_bytes());
    p.extend_from_slice(&issued.to_be_bytes());
    p
}

impl CsrfKey {
    pub fn new(secret: &Secret) -> Self {
        Self {
            signer: Signer::new(secret),
        }
    }

    /// A token for the hidden field of `form_id` (e.g. `signup`, `appeal:42`).
    pub fn issue(&self, form_id: &str, now: DateTime<Utc>) -> String {
        let issued = now.timestamp();
        let mut raw = Vec::with_capacity(RAW_LEN);
        raw.extend_from_slice(&issued.to_be_bytes());
        raw.extend_from_slice(&self.signer.tag(PURPOSE, &payload(form_id, issued)));
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Checks the signature in constant time, then the age.
    pub fn verify(
        &self,
        form_id: &str,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), CsrfError> {
        let token = token.map(str::trim).filter(|t| !t.is_empty());
        let token = token.ok_or(CsrfError::Missing)?;
        let raw = URL_SAFE_NO_PAD
            .decode(token.as_bytes())
            .map_err(|_| CsrfError::Invalid)?;
        if raw.len() != RAW_LEN {
            return Err(CsrfError::Invalid);
        }
        let (ts, tag) = raw.split_at(8);
        let issued = i64::from_be_bytes(ts.try_into().map_err(|_| CsrfError::Invalid)?);
        if !self.signer.verify(PURPOSE, &payload(form_id, issued), tag) {
            return Err(CsrfError::Invalid);
        }
        let age = now.timestamp().saturating_sub(issued);
        if age > TOKEN_TTL.num_seconds() || -age > CLOCK_SKEW.num_seconds() {
            return Err(CsrfError::Expired);
        }
        Ok(())
    }
}

/// Refuses requests a browser marks as coming from another site.
///
/// `Sec-Fetch-Site: same-origin` or `none` (typed, bookmarked) pass; `same-site` and
/// `cross-site` do not (a sibling subdomain is not us). An `Origin` must equal the site's
/// public origin or the origin the request was addressed to (`Host`).
///
/// `Origin: null` carries no information and is left to the token: our own
/// `Referrer-Policy: no-referrer` makes browsers send exactly that on same-origin form posts.
/// Modern browsers still say `Sec-Fetch-Site: cross-site` when it is not us.
pub fn check_origin(req: &HttpRequest, public_origin: &str) -> Result<(), CsrfError> {
    if let Some(site) = req.headers().get("sec-fetch-site") {
        let site = site.to_str().map_err(|_| CsrfError::CrossSite)?;
        if !matches!(site, "same-origin" | "none") {
            return Err(CsrfError::CrossSite);
        }
    }
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| CsrfError::CrossSite)?;
    if origin == "null" || origin.eq_ignore_ascii_case(public_origin) {
        return Ok(());
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let addressed = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match addressed {
        Some(h) if !host.is_empty() && h.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(CsrfError::CrossSite),
    }
}

/// `scheme://host[:port]` of a base URL, the form browsers send in `Origin`.
pub fn origin_of(base_url: &str) -> String {
    match url::Url::parse(base_url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => base_url.trim_end_matches('/').to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use chrono::TimeZone;

    fn key() -> CsrfKey {
        CsrfKey::new(&Secret::new("0123456789abcdef0123456789abcdef"))
    }
    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn round_trip() {
        let t = key().issue("appeal:1", at(0));
        assert_eq!(key().verify("appeal:1", Some(&t), at(60)), Ok(()));
    }

    #[test]
    fn bound_to_the_form() {
        let t = key().issue("appeal:1", at(0));
        assert_eq!(
            key().verify("appeal:2", Some(&t), at(1)),
            Err(CsrfError::Invalid)
        );
        assert_eq!(
            key().verify("signup", Some(&t), at(1)),
            Err(CsrfError::Invalid)
        );
    }

    #[test]
    fn other_key_missing_garbage_and_tampering() {
        let t = key().issue("signup", at(0));
        let other = CsrfKey::new(&Secret::new("another-secret-another-secret-123"));
        assert_eq!(
            other.verify("signup", Some(&t), at(1)),
            Err(CsrfError::Invalid)
        );
        assert_eq!(key().verify("signup", None, at(1)), Err(CsrfError::Missing));
        assert_eq!(
            key().verify("signup", Some("  "), at(1)),
            Err(CsrfError::Missing)
        );
        for bad in ["x", "!!!!", &"A".repeat(32), &"A".repeat(500)] {
            assert_eq!(
                key().verify("signup", Some(bad), at(1)),
                Err(CsrfError::Invalid)
            );
        }
        for i in 0..t.len() {
            let mut c: Vec<char> = t.chars().collect();
            c[i] = if c[i] == 'A' { 'B' } else { 'A' };
            let forged: String = c.into_iter().collect();
            assert!(
                key().verify("signup", Some(&forged), at(1)).is_err(),
                "position {i}"
            );
        }
    }

    #[test]
    fn expiry_and_future_tokens() {
        let t = key().issue("signup", at(0));
        let ttl = TOKEN_TTL.num_seconds();
        assert_eq!(key().verify("signup", Some(&t), at(ttl)), Ok(()));
        assert_eq!(
            key().verify("signup", Some(&t), at(ttl + 1)),
            Err(CsrfError::Expired)
        );
        let future = key().issue("signup", at(3600));
        assert_eq!(
            key().verify("signup", Some(&future), at(0)),
            Err(CsrfError::Expired)
        );
    }

    #[test]
    fn origin_rules() {
        let base = "https://appeals.example.org";
        let ok = |r: TestRequest| check_origin(&r.to_http_request(), base);
        assert_eq!(ok(TestRequest::post()), Ok(()), "no headers: token decides");
        assert_eq!(
            ok(TestRequest::post().insert_header(("Sec-Fetch-Site", "same-origin"))),
            Ok(())
        );
        assert_eq!(
            ok(TestRequest::post().insert_header(("Sec-Fetch-Site", "cross-site"))),
            Err(CsrfError::CrossSite)
        );
        assert_eq!(
            ok(TestRequest::post().insert_header(("Sec-Fetch-Site", "same-site"))),
            Err(CsrfError::CrossSite)
        );
        assert_eq!(
            ok(TestRequest::post().insert_header(("Origin", "https://appeals.example.org"))),
            Ok(())
        );
        assert_eq!(
            ok(TestRequest::post().insert_header(("Origin", "https://evil.example"))),
            Err(CsrfError::CrossSite)
        );
        assert_eq!(
            ok(TestRequest::post().insert_header(("Origin", "null"))),
            Ok(()),
            "what browsers send under no-referrer; the token decides"
        );
        assert_eq!(
            ok(TestRequest::post()
                .insert_header(("Origin", "null"))
                .insert_header(("Sec-Fetch-Site", "cross-site"))),
            Err(CsrfError::CrossSite)
        );
        assert_eq!(
            ok(TestRequest::post()
                .insert_header(("Host", "127.0.0.1:8080"))
                .insert_header(("Origin", "http://127.0.0.1:8080"))),
            Ok(()),
            "the address the browser used"
        );
        assert_eq!(origin_of("https://a.example/x/"), "https://a.example");
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
