//! Keys the operator generates must be hard to guess. A length check lets `aaaa…` (32 × `a`)
//! through; this estimates what a key holds and refuses one that holds too little, naming the
//! key and how to make a good one. Every binary refuses such keys at start with the
//! placeholders (`Config::refuse_placeholders`), and `check-config` reports them.
//!
//! The estimate is a guesser's view of one sample, not a proof: each character counts as a
//! draw from the smallest usual alphabet that holds every character of the key (digits, hex,
//! letters, base64, printable ASCII), except the characters a guesser would predict — one
//! that makes three equal in a row (`aaa`), continues a run of four with the same step
//! (`abcd`, `1357`), or ends three characters seen before (`abcabc`). A random key of 32 hex
//! digits (`openssl rand -hex 16`, 128 bits) never estimates below 112 bits; the advised
//! `openssl rand -hex 32` estimates about 256.

use super::{Config, Problem};

/// What a key must hold.
struct Rule {
    key: &'static str,
    /// NIST SP 800-57's minimum security strength for keys is 112 bits.
    min_bits: f64,
    /// Different characters at least (a random key of this length has far more).
    min_distinct: usize,
    /// Follows the key in the message when it is too weak.
    advice: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        key: "web.link_secret",
        min_bits: 112.0,
        min_distinct: 8,
        advice: "Generate one: openssl rand -hex 32 (links already sent stop working when \
                 it changes; the bot sends fresh ones when users write again)",
    },
    Rule {
        key: "web.session_key",
        min_bits: 112.0,
        min_distinct: 8,
        advice: "Generate one: openssl rand -hex 32 (console users log in again)",
    },
    // A bearer token that only reads figures: half a key's bar (a 16-hex-digit token holds
    // 64 bits).
    Rule {
        key: "metrics.token",
        min_bits: 56.0,
        min_distinct: 6,
        advice: "Generate one: openssl rand -hex 32",
    },
];

/// Every key of `config` too weak to keep, except those in `skip` (already reported, e.g.
/// as the example's placeholder).
pub(super) fn find(config: &Config, skip: &[Problem]) -> Vec<Problem> {
    let values = [
        ("web.link_secret", config.web.link_secret.as_ref()),
        ("web.session_key", config.web.session_key.as_ref()),
        ("metrics.token", config.metrics.token.as_ref()),
    ];
    let mut problems = Vec::new();
    for (key, value) in values {
        let Some(value) = value.map(|v| v.expose()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let Some(rule) = RULES.iter().find(|r| r.key == key) else {
            continue;
        };
        if skip.iter().any(|p| p.key == key) {
            continue;
        }
        if let Some(why) = weakness(value, rule) {
            let message = format!("is too easy to guess: {why}. {}", rule.advice);
            problems.push(config.origins.problem(key, message));
        }
    }
    problems
}

/// Why `value` does not satisfy `rule`, in words.
fn weakness(value: &str, rule: &Rule) -> Option<String> {
    let distinct = distinct_characters(value);
    if distinct < rule.min_distinct {
        return Some(format!(
            "it has {distinct} different characters (at least {} needed)",
            rule.min_distinct
        ));
    }
    let bits = estimated_bits(value);
    (bits < rule.min_bits).then(|| {
        format!(
            "about {bits:.0} bits of entropy estimated (at least {:.0} needed)",
            rule.min_bits
        )
    })
}

fn distinct_characters(s: &str) -> usize {
    let mut seen: Vec<char> = s.chars().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// The estimate described at the top of this file, in bits.
pub fn estimated_bits(key: &str) -> f64 {
    let chars: Vec<char> = key.chars().collect();
    let fresh = chars.len() - predictable(&chars);
    fresh as f64 * alphabet_size(&chars).log2()
}

/// How many characters a guesser who read the ones before would predict.
fn predictable(c: &[char]) -> usize {
    let code = |i: usize| i64::from(u32::from(c[i]));
    let step = |i: usize| code(i) - code(i - 1);
    let mut seen = std::collections::HashSet::new();
    let mut count = 0;
    for i in 2..c.len() {
        let three_equal = c[i] == c[i - 1] && c[i - 1] == c[i - 2];
        let run = i >= 3 && step(i) == step(i - 1) && step(i - 1) == step(i - 2);
        let repeated = !seen.insert((c[i - 2], c[i - 1], c[i]));
        if three_equal || run || repeated {
            count += 1;
        }
    }
    count
}

/// Whether a character belongs to an alphabet.
type Member = fn(&char) -> bool;

/// The smallest usual alphabet holding every character.
fn alphabet_size(c: &[char]) -> f64 {
    let all = |f: Member| c.iter().all(f);
    let sizes: [(Member, f64); 9] = [
        (|c| c.is_ascii_digit(), 10.0),
        (|c| matches!(c, '0'..='9' | 'a'..='f'), 16.0),
        (|c| matches!(c, '0'..='9' | 'A'..='F'), 16.0),
        (|c| c.is_ascii_lowercase(), 26.0),
        (|c| c.is_ascii_uppercase(), 26.0),
        (|c| c.is_ascii_lowercase() || c.is_ascii_digit(), 36.0),
        (|c| c.is_ascii_uppercase() || c.is_ascii_digit(), 36.0),
        (|c| c.is_ascii_alphanumeric(), 62.0),
        // base64 and base64url (padding aside)
        (|c| c.is_ascii_alphanumeric() || "-_+/=".contains(*c), 64.0),
    ];
    sizes
        .iter()
        .find(|(fits, _)| all(*fits))
        .map_or(95.0, |(_, size)| *size)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &Rule = &RULES[0];

    #[test]
    fn repeated_and_sequential_keys_are_weak() {
        for weak in [
            "a".repeat(32).as_str(),
            "0123456789abcdef0123456789abcdef",
            "abcdefghijklmnopqrstuvwxyz012345",
            "password1234567890password1234567890",
            "aaaabbbbccccddddeeeeffffgggghhhh",
            "abababababababababababababababababab",
        ] {
            assert!(weakness(weak, LINK).is_some(), "{weak} passed");
        }
        // Two fresh characters of hex (`a` is a hex digit).
        assert_eq!(estimated_bits(&"a".repeat(32)), 8.0);
        let why = weakness(&"a".repeat(32), LINK).expect("weak");
        assert_eq!(why, "it has 1 different characters (at least 8 needed)");
        let why = weakness("0123456789abcdef0123456789abcdef", LINK).expect("weak");
        assert_eq!(
            why,
            "about 32 bits of entropy estimated (at least 112 needed)"
        );
    }

    #[test]
    fn generated_keys_pass() {
        for good in [
            // openssl rand -hex 32
            "5f2b9c0e4d6a8b1c3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d",
            "9c41e0d7b25a8f3610ce7b94d2a5f8e1037bc6d9a4f2e851b0c7d3e6a9f41b28",
            // openssl rand -hex 16: 128 bits
            "3f9a0c7e1b5d82a4c6e0f7b3d9152a8e",
            // openssl rand -base64 32
            "q3Vt0pZ8yN1fKx6bR2mW9sLc4hJ7gE5aD0uT8vY3iO=",
        ] {
            assert!(
                weakness(good, LINK).is_none(),
                "{good}: {:?}",
                weakness(good, LINK)
            );
        }
        assert!(estimated_bits("3f9a0c7e1b5d82a4c6e0f7b3d9152a8e") >= 112.0);
    }

    /// A random key of 32 hex digits loses at most a character or two to chance: the bar
    /// sits below what any of them estimates (four predictable characters at least).
    #[test]
    fn the_bar_leaves_room_for_chance_in_random_hex() {
        // Unlucky: a three-character sequence comes back.
        let key = "1a2b3c1a2e4f6d8e0c9b7f5d3e2a4c6b";
        assert!(estimated_bits(key) >= 112.0, "{}", estimated_bits(key));
    }
}
