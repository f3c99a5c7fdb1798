//! A keyed token bucket: each client IP may POST `per_minute` times a minute, with bursts of
//! up to `per_minute`. Hand-written (a few lines) rather than a dependency; the map is
//! pruned as it grows so that a flood of addresses cannot exhaust memory. The console's
//! login has buckets of its own ([`LoginLimits`]).
//!
//! [`client_ip`] decides which address a request is counted against when the site runs
//! behind reverse proxies.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use actix_web::http::header::{FORWARDED, HeaderMap};

/// Buckets kept before idle (full) ones are dropped.
const PRUNE_AT: usize = 10_000;

/// Token buckets by key: a client's address, or `()` for one bucket for the whole site.
#[derive(Debug)]
pub struct RateLimiter<K = IpAddr> {
    capacity: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<K: Eq + Hash + Copy> RateLimiter<K> {
    pub fn per_minute(n: u32) -> Self {
        let n = f64::from(n.max(1));
        Self {
            capacity: n,
            per_sec: n / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; false when the bucket is empty.
    pub fn check(&self, key: K, now: Instant) -> bool {
        self.take(key, now).is_ok()
    }

    /// Takes one token for `key`, or says how long until the bucket holds one again (what
    /// a 429's `Retry-After` tells the client).
    pub fn take(&self, key: K, now: Instant) -> Result<(), Duration> {
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
        let outcome = if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.per_sec))
        };
        *bucket = b;
        outcome
    }

    fn refill(b: Bucket, now: Instant, cap: f64, rate: f64) -> Bucket {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        Bucket {
            tokens: (b.tokens + elapsed * rate).min(cap),
            at: now,
        }
    }
}

/// The console login's limits. Each `/login` and each callback costs the client a token of
/// its own bucket, before anything else happens; each code exchanged with Reddit costs one
/// of the site's, so that many clients together cannot make the site hammer Reddit either.
#[derive(Debug)]
pub struct LoginLimits {
    pub starts: RateLimiter,
    pub callbacks: RateLimiter,
    pub exchanges: RateLimiter<()>,
}

impl LoginLimits {
    pub fn new(per_client_per_minute: u32, exchanges_per_minute: u32) -> Self {
        Self {
            starts: RateLimiter::per_minute(per_client_per_minute),
            callbacks: RateLimiter::per_minute(per_client_per_minute),
            exchanges: RateLimiter::per_minute(exchanges_per_minute),
        }
    }
}

/// The client `req` counts against ([`client_ip`] of its peer), if it has a peer.
pub fn client_of(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    req.peer_addr()
        .map(|peer| client_ip(peer.ip(), trusted, req.headers()))
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
    fn an_empty_bucket_says_when_to_come_back() {
        let l = RateLimiter::<()>::per_minute(30);
        let t0 = Instant::now();
        for _ in 0..30 {
            assert_eq!(l.take((), t0), Ok(()));
        }
        let wait = l.take((), t0).expect_err("31st in the same instant");
        assert!(
            (1.9..=2.1).contains(&wait.as_secs_f64()),
            "one token per 2 s: {wait:?}"
        );
        assert!(l.take((), t0 + Duration::from_secs(2)).is_ok());
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
