//! The optional `metrics` section: off by default, a token unless bound to loopback.

use appealmod_shared::config::{Config, MetricsConfig, Secret};

fn load(yaml: &str) -> Result<Config, Vec<String>> {
    Config::from_yaml_and_env(yaml, "test.yaml", Vec::new()).map_err(|e| e.lines())
}

#[test]
fn metrics_are_off_unless_enabled() {
    let c = load("{}").expect("defaults");
    assert!(!c.metrics.enabled);
    assert!(
        load("metrics: {bind: 'not an address'}").is_ok(),
        "ignored while off"
    );
}

#[test]
fn a_token_is_required_unless_the_listener_is_loopback() {
    let open = load("metrics: {enabled: true}").expect_err("no token on the site's listener");
    assert!(
        open.iter()
            .any(|l| l.contains("metrics.token") && l.contains("loopback")),
        "{open:?}"
    );
    let public = load("metrics: {enabled: true, bind: '0.0.0.0:9464'}").expect_err("public");
    assert!(
        public.iter().any(|l| l.contains("metrics.token")),
        "{public:?}"
    );
    assert!(load("metrics: {enabled: true, bind: '127.0.0.1:9464'}").is_ok());
    let short = load("metrics: {enabled: true, token: abc}").expect_err("short token");
    assert!(short.iter().any(|l| l.contains("at least 16")), "{short:?}");
    let bad = load("metrics: {enabled: true, bind: 'localhost'}").expect_err("not an address");
    assert!(bad.iter().any(|l| l.contains("metrics.bind")), "{bad:?}");
    let ok = load("metrics: {enabled: true, token: 0123456789abcdef0123}").expect("token");
    assert!(ok.metrics.token.is_some());
}

#[test]
fn the_bearer_token_is_checked() {
    let m = MetricsConfig {
        enabled: true,
        bind: None,
        token: Some(Secret::new("0123456789abcdef0123")),
    };
    assert!(m.accepts(Some("Bearer 0123456789abcdef0123")));
    assert!(!m.accepts(Some("Bearer 0123456789abcdef012")));
    assert!(!m.accepts(Some("0123456789abcdef0123")));
    assert!(!m.accepts(None));
    let loopback = MetricsConfig { token: None, ..m };
    assert!(loopback.accepts(None));
}
