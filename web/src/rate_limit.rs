//! A keyed token bucket: each client IP may POST `per_minute` times a minute, with bursts of
//! up to `per_minute`. Hand-written (a few lines) rather than a dependency; the map is
//! pruned as it grows so that a flood of addresses cannot exhaust memory.
//!
//! [`client_ip`] decides which address a request is counted against when the site runs
//! behind reverse proxies.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use actix_web::http::header::{FORWARDED, HeaderMap};

/// Buckets kept before idle (full) ones are dropped.
const PRUNE_AT: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn per_minute(n: u32) -> Self {
        let n = f64::from(n.max(1));
        Self {
            capacity: n,
            per_sec: n / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; false when the bucket is empty.
    pub fn check(&self, key: IpAddr, now: Instant) -> bool {
        // A poisoned lock only means another request panicked mid-update; the map is
        // still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= PRUNE_AT {
            let (cap, rate) = (self.capacity, self.per_sec);
            buckets.retain(|_, b| Self::refill(*b, now, cap, rate).tokens < cap);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        let mut b = Self::refill(*bucket, now, self.capacity, self.per_sec);
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        }
        *bucket = b;
        allowed
    }

    fn refill(b: Bucket, now: Instant, cap: f64, rate: f64) -> Bucket {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        Bucket {
            tokens: (b.tokens + elapsed * rate).min(cap),
            at: now,
        }
    }
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client a request comes from. Forwarding headers are anyone's to write, so they count
/// only when the TCP `peer` is one of the `trusted` proxies; then the client is the
/// right-most address of the chain that is not itself a trusted proxy (each proxy appends
/// the address it received the request from, so everything left of that point may be
/// forged). `X-Forwarded-For` wins over `Forwarded` because it is what common proxies
/// (nginx, HAProxy, Caddy, load balancers) set, while they pass a client's `Forwarded`
/// through untouched. An entry that is not an address where the client should be, or no
/// chain at all, gives the peer: the request is then counted against the proxy, never
/// against an address the client chose.
pub fn client_ip(peer: IpAddr, trusted: &[IpAddr], headers: &HeaderMap) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.to_canonical() == ip);
    if !is_trusted(peer) {
        return peer;
    }
    let chain = forwarded_chain(headers);
    let mut nearest = None;
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) if is_trusted(*ip) => nearest = Some(*ip),
            Some(ip) => return *ip,
            None => return peer,
        }
    }
    // Every hop is a trusted proxy: the request started at the farthest one.
    nearest.unwrap_or(peer)
}

/// The hops named by `X-Forwarded-For` (every header line, in order), else by `Forwarded`;
/// `None` marks an entry that is not an IP address (`unknown`, an obfuscated name, junk).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    // Lossy, not `to_str`: a forged entry with non-ASCII bytes must not hide the address the
    // proxy appended to the same line.
    let lines = |name| {
        headers
            .get_all(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect::<Vec<_>>()
    };
    let xff = lines(X_FORWARDED_FOR);
    if !xff.is_empty() {
        return xff
            .iter()
            .flat_map(|line| line.split(','))
            .map(|entry| parse_node(entry.trim()))
            .collect();
    }
    lines(FORWARDED.as_str())
        .iter()
        // Splitting on every comma ignores quoting: no genuine `for=` value holds a comma,
        // so only a forged element, left of the one the trusted proxy appended and thus
        // never reached, can be split oddly.
        .flat_map(|line| line.split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, v)| parse_node(v.trim().trim_matches('"')))
        })
        .collect()
}

/// `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`, with or without a `:port`.
fn parse_node(s: &str) -> Option<IpAddr> {
    let ip = if let Ok(ip) = s.parse::<IpAddr>() {
        ip
    } else if let Ok(addr) = s.parse::<SocketAddr>() {
        addr.ip()
    } else {
        s.strip_prefix('[')?.strip_suffix(']')?.parse().ok()?
    };
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill_per_key() {
        let l = RateLimiter::per_minute(3);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let t0 = Instant::now();
        assert!(l.check(a, t0) && l.check(a, t0) && l.check(a, t0));
        assert!(!l.check(a, t0), "fourth in the same instant");
        assert!(l.check(b, t0), "other clients are not affected");
        assert!(!l.check(a, t0 + Duration::from_secs(19)));
        assert!(
            l.check(a, t0 + Duration::from_secs(21)),
            "one token per 20 s"
        );
    }

    #[test]
    fn map_is_pruned() {
        let l = RateLimiter::per_minute(60);
        let t0 = Instant::now();
        for i in 0..PRUNE_AT as u32 {
            l.check(IpAddr::from(i.to_be_bytes()), t0);
        }
        l.check([1, 2, 3, 4].into(), t0 + Duration::from_secs(120));
        let n = l.buckets.lock().expect("lock").len();
        assert!(n < 10, "idle buckets dropped, {n} left");
    }

    mod client_ip {
        use super::super::client_ip;
        use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
        use std::net::IpAddr;

        const PROXY: &str = "10.0.0.1";
        const INNER_PROXY: &str = "10.0.0.2";

        fn ip(s: &str) -> IpAddr {
            s.parse().expect("test address")
        }

        fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
            }
            h
        }

        fn resolve(peer: &str, pairs: &[(&'static str, &'static str)]) -> IpAddr {
            client_ip(ip(peer), &[ip(PROXY), ip(INNER_PROXY)], &headers(pairs))
        }

        #[test]
        fn headers_from_an_untrusted_peer_are_ignored() {
            let spoofed = [
                ("x-forwarded-for", "198.51.100.7"),
                ("forwarded", "for=198.51.100.8"),
            ];
            assert_eq!(resolve("203.0.113.9", &spoofed), ip("203.0.113.9"));
            let no_proxies = client_ip(ip(PROXY), &[], &headers(&spoofed));
            assert_eq!(no_proxies, ip(PROXY), "nothing trusted by default");
        }

        #[test]
        fn trusted_peer_without_headers_is_the_client() {
            assert_eq!(resolve(PROXY, &[]), ip(PROXY));
        }

        #[test]
        fn right_most_untrusted_hop_is_the_client() {
            // The client forged the first entry; the proxy appended the real address.
            let h = [("x-forwarded-for", "1.2.3.4, 203.0.113.9")];
            assert_eq!(resolve(PROXY, &h), ip("203.0.113.9"));
        }

        #[test]
        fn chain_of_proxies_is_walked_back() {
            let h = [("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.2")];
            assert_eq!(resolve(PROXY, &h), ip("203.0.113.9"));
            // The same chain split over several header lines.
            let lines = [
                ("x-forwarded-for", "1.2.3.4"),
                ("x-forwarded-for", "203.0.113.9 , 10.0.0.2"),
            ];
            assert_eq!(resolve(PROXY, &lines), ip("203.0.113.9"));
            let all_trusted = [("x-forwarded-for", "10.0.0.2")];
            assert_eq!(resolve(PROXY, &all_trusted), ip(INNER_PROXY));
        }

        #[test]
        fn forwarded_header_is_read_when_there_is_no_x_forwarded_for() {
            let h = [(
                "forwarded",
                "for=1.2.3.4, for=\"[2001:db8:cafe::17]:4711\";proto=https, For=10.0.0.2;by=x",
            )];
            assert_eq!(resolve(PROXY, &h), ip("2001:db8:cafe::17"));
            let both = [
                ("forwarded", "for=198.51.100.8"),
                ("x-forwarded-for", "203.0.113.9"),
            ];
            assert_eq!(
                resolve(PROXY, &both),
                ip("203.0.113.9"),
                "X-Forwarded-For wins"
            );
        }

        #[test]
        fn ports_and_mapped_addresses_are_understood() {
            let h = [("x-forwarded-for", "203.0.113.9:5555")];
            assert_eq!(resolve(PROXY, &h), ip("203.0.113.9"));
            let h = [("x-forwarded-for", "[2001:db8::1]:443")];
            assert_eq!(resolve(PROXY, &h), ip("2001:db8::1"));
            // A dual-stack listener sees IPv4 proxies as ::ffff:a.b.c.d.
            let h = [("x-forwarded-for", "203.0.113.9")];
            assert_eq!(resolve("::ffff:10.0.0.1", &h), ip("203.0.113.9"));
        }

        #[test]
        fn malformed_header_falls_back_to_the_peer() {
            for junk in [
                "",
                "not an address",
                "203.0.113.9;",
                "unknown",
                "1.2.3.4, ,",
            ] {
                let h = [("x-forwarded-for", junk)];
                assert_eq!(resolve(PROXY, &h), ip(PROXY), "{junk:?}");
            }
            for junk in ["for=unknown", "for=_hidden", "proto=https", "for=\"[::1\""] {
                let h = [("forwarded", junk)];
                assert_eq!(resolve(PROXY, &h), ip(PROXY), "{junk:?}");
            }
            // Junk left of the client's address is the client's own forgery: irrelevant.
            let h = [("x-forwarded-for", "junk, 203.0.113.9")];
            assert_eq!(resolve(PROXY, &h), ip("203.0.113.9"));
            let mut h = HeaderMap::new();
            h.insert(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9").expect("obs-text is allowed"),
            );
            let got = client_ip(ip(PROXY), &[ip(PROXY)], &h);
            assert_eq!(
                got,
                ip("203.0.113.9"),
                "non-ASCII bytes do not hide the hop"
            );
        }
    }
}
