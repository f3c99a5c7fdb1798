//! Masks the password of a database URL, keeping the rest readable: `check-config` is where
//! an operator looks to see which host, port, user and database the processes will use.

/// Printed in place of a secret.
pub(crate) const REDACTED: &str = "[redacted]";

/// Query parameters that carry credentials (`password=`, libpq's `sslpassword=`, tokens).
const SECRET_PARAMS: &[&str] = &["password", "secret", "token", "key"];

/// `scheme://user:password@host/db?…` with the password, and any credential in the query,
/// replaced by `[redacted]`. When in doubt it masks more, never less: an unencoded `@` or `:`
/// in the password moves the cut towards the host, not into the password, and a URL whose
/// user info cannot be told apart from its path (an `@` after a `/`, `?` or `#`) is masked
/// whole.
pub(crate) fn mask_url_password(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    // The last `@` ends the user info, even if the password holds an unencoded `@`.
    let (userinfo, host_and_path) = match rest.rfind('@') {
        Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
        None => (None, rest),
    };
    if userinfo.is_some_and(|info| info.contains(['/', '?', '#'])) {
        return REDACTED.to_owned();
    }
    let mut out = String::with_capacity(url.len());
    out.push_str(scheme);
    if let Some(info) = userinfo {
        match info.split_once(':') {
            Some((user, _password)) => {
                out.push_str(user);
                out.push(':');
                out.push_str(REDACTED);
            }
            None => out.push_str(info),
        }
        out.push('@');
    }
    out.push_str(&mask_query(host_and_path));
    out
}

/// Masks the values of credential-like query parameters.
fn mask_query(s: &str) -> String {
    let Some((before, query)) = s.split_once('?') else {
        return s.to_owned();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((name, _)) if is_secret_param(name) => format!("{name}={REDACTED}"),
            _ => param.to_owned(),
        })
        .collect();
    format!("{before}?{}", params.join("&"))
}

fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMS.iter().any(|s| name.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_password_is_masked() {
        for (url, shown) in [
            (
                "postgres://appealmod:s3cret@db:5432/appealmod",
                "postgres://appealmod:[redacted]@db:5432/appealmod",
            ),
            (
                "mongodb://u:p@h1:27017,h2:27017/logs?authSource=admin",
                "mongodb://u:[redacted]@h1:27017,h2:27017/logs?authSource=admin",
            ),
            (
                "postgres://db/app?user=a&password=pw&sslmode=require",
                "postgres://db/app?user=a&password=[redacted]&sslmode=require",
            ),
            (
                "postgres://u:p@ss:wrd@db/app",
                "postgres://u:[redacted]@db/app",
            ),
            ("postgres://u:pa/ss@db/app", "[redacted]"),
            ("postgres://db/app?password=a@b", "[redacted]"),
            ("postgres://appealmod@db/app", "postgres://appealmod@db/app"),
            (
                "sqlite://data/appealmod.sqlite",
                "sqlite://data/appealmod.sqlite",
            ),
            ("mongodb://localhost:27017", "mongodb://localhost:27017"),
        ] {
            assert_eq!(mask_url_password(url), shown, "{url}");
        }
    }
}
