//! The fingerprint of an analysis plan: the SHA-256 of its canonical text
//! (`core::readout::plan::Plan::canonical_text`), in hex. Here rather than in core, which
//! computes no hash; storage keeps it with each version and the pages print it, so anyone
//! holding the text can check it with `sha256sum`.

use appealmod_core::readout::plan::Plan;
use sha2::{Digest, Sha256};

/// Something with a fingerprint.
pub trait Fingerprint {
    /// 64 lowercase hex digits.
    fn fingerprint(&self) -> String;
}

impl Fingerprint for Plan {
    fn fingerprint(&self) -> String {
        sha256_hex(&self.canonical_text())
    }
}

/// SHA-256 of `text` (UTF-8), lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sha256sum() {
        // printf 'appealmod analysis plan, format 1\nsubreddit: r/pics\n…' | sha256sum: the
        // text of core's canonical-text test.
        let text = "appealmod analysis plan, format 1\n\
                    subreddit: r/pics\n\
                    version: 2\n\
                    primary comparison: reached_moderators (Appeals that reached the moderators)\n\
                    groups: as drawn (intention to treat)\n\
                    control share expected: 100.0%\n\
                    smallest effect worth detecting: 15.0 percentage points, either direction\n\
                    test: two-sided, 5% significance, fixed-sample at the planned size\n\
                    power: 80%\n\
                    treatment fraction: 0.5\n\
                    planned appeals: 95\n\
                    appeals begun from: 2026-03-02T10:00:00Z\n\
                    ends on: 2026-06-30\n\
                    frozen at: 2026-03-09T10:00:00Z\n";
        assert_eq!(
            sha256_hex(text),
            "69e0a5ed599b43b96653ef107f32f9d128639607e4fbb6b27fd732995bc6f12b"
        );
        // The empty string, as every SHA-256 reference lists it.
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
