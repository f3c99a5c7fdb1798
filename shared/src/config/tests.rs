use super::*;

fn parse(yaml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_yaml_and_env(
        yaml,
        "test.yaml",
        env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../certs.example/config.yaml");

fn example() -> Config {
    let text = std::fs::read_to_string(EXAMPLE).expect("certs.example/config.yaml exists");
    Config::from_yaml_and_env(&text, "certs/config.yaml", std::iter::empty())
        .expect("example parses")
}

#[test]
fn example_config_parses() {
    let c = example();
    assert!(
        c.reddit.credentials().is_ok(),
        "the example fills every Reddit key"
    );
    assert!(c.web.link_secret().is_ok());
    assert!(c.slack.main.is_some());
}

#[test]
fn example_config_is_refused_naming_every_placeholder() {
    let err = example().refuse_placeholders().unwrap_err();
    let ConfigError::Placeholders(problems) = &err else {
        panic!("expected placeholders, got {err}");
    };
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "reddit.password",
            "reddit.client_id",
            "reddit.client_secret",
            "web.link_secret",
            "web.login.client_id",
            "web.login.client_secret",
            "web.session_key",
            "slack.main"
        ],
        "{err}"
    );
    for p in problems {
        assert_eq!(p.origin, Source::File("certs/config.yaml".into()));
    }
    let text = err.to_string();
    assert!(
        text.contains(
            "certs/config.yaml: `web.link_secret` is the example's value: anyone who read \
             the repository could forge appeal links. Generate one: openssl rand -hex 32"
        ),
        "{text}"
    );
    assert_eq!(err.lines().len(), 8, "one line per placeholder: {text}");
}

/// The values `./run.sh sandbox` writes (simulator-only credentials, a random secret).
#[test]
fn sandbox_config_is_not_refused() {
    let c = parse(
        "reddit:\n  username: appealmod_bot\n  password: sandbox-password\n  \
         client_id: sandbox-client\n  client_secret: sandbox-secret\n  \
         auth_base_url: http://127.0.0.1:9\n  api_base_url: http://127.0.0.1:9\n\
         database:\n  url: sqlite:///tmp/appealmod-sandbox.x/appealmod.sqlite\n\
         web:\n  link_secret: 5f2b9c0e4d6a8b1c3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d\n",
        &[],
    )
    .expect("parses");
    c.refuse_placeholders()
        .expect("the sandbox's values are not placeholders");
    assert!(
        parse("", &[])
            .expect("defaults")
            .refuse_placeholders()
            .is_ok()
    );
}

#[test]
fn placeholder_passwords_in_urls_are_refused() {
    let c = parse(
        "database:\n  url: postgres://appealmod:change-me@db:5432/appealmod\n\
         mongodb:\n  uri: mongodb://logs:password@mongo:27017\n",
        &[],
    )
    .expect("parses");
    let err = c.refuse_placeholders().unwrap_err().to_string();
    assert!(
        err.contains("`database.url` holds the example's placeholder password"),
        "{err}"
    );
    assert!(
        err.contains("`mongodb.uri` holds the example's placeholder password"),
        "{err}"
    );
    assert!(
        !err.contains("change-me@"),
        "the URL itself is not printed: {err}"
    );
    let real = parse(
        "database:\n  url: postgres://appealmod:Xk2v9qLr@db:5432/appealmod\n",
        &[],
    )
    .expect("parses");
    assert!(real.refuse_placeholders().is_ok());
}

#[test]
fn keys_too_easy_to_guess_are_refused() {
    let yaml = format!(
        "web:\n  link_secret: {}\n  session_key: 0123456789abcdef0123456789abcdef\n",
        "a".repeat(32)
    );
    let c = parse(&yaml, &[]).expect("long enough to parse");
    let lines = c.refuse_placeholders().unwrap_err().lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "test.yaml: `web.link_secret` is too easy to guess: it has 1 different \
             characters (at least 8 needed). Generate one: openssl rand -hex 32"
        ),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with(
            "test.yaml: `web.session_key` is too easy to guess: about 32 bits of entropy \
             estimated (at least 112 needed)"
        ),
        "{lines:?}"
    );
    let c = parse("", &[("APPEALMOD__WEB__LINK_SECRET", &"ab".repeat(16))]).expect("parses");
    let err = c.refuse_placeholders().unwrap_err().to_string();
    assert!(
        err.starts_with(
            "environment variable APPEALMOD__WEB__LINK_SECRET: `web.link_secret` is too \
             easy to guess"
        ),
        "{err}"
    );
    // The example's placeholder is reported once, as the placeholder it is.
    let placeholder = parse(
        "web:\n  link_secret: replace-with-the-output-of-openssl-rand-hex-32\n",
        &[],
    )
    .expect("parses");
    let lines = placeholder.refuse_placeholders().unwrap_err().lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn placeholders_from_the_environment_name_the_variable() {
    let c = parse("", &[("APPEALMOD__REDDIT__PASSWORD", "change-me")]).expect("parses");
    let err = c.refuse_placeholders().unwrap_err().to_string();
    assert!(
        err.starts_with("environment variable APPEALMOD__REDDIT__PASSWORD: `reddit.password`"),
        "{err}"
    );
}

#[test]
fn link_ttl_of_zero_days_is_refused() {
    let err = parse("web:\n  link_ttl_days: 0\n", &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`web.link_ttl_days` must be at least 1 (days)"),
        "{err}"
    );
}

#[test]
fn the_readout_window_is_the_link_lifetime_plus_the_cutoff_unless_set() {
    let c = parse("", &[]).expect("defaults");
    assert_eq!(c.readout_window_days(), 30 + 14);
    let c = parse("web:\n  link_ttl_days: 7\nbot:\n  update_cutoff: 3\n", &[]).expect("parses");
    assert_eq!(c.readout_window_days(), 10);
    let c = parse("web:\n  readout_window_days: 21\n", &[]).expect("parses");
    assert_eq!(c.readout_window_days(), 21);
    let err = parse("web:\n  readout_window_days: 0\n", &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`web.readout_window_days` must be at least 1 (days)"),
        "{err}"
    );
}

#[test]
fn every_invalid_value_is_reported_at_once() {
    let err = parse(
        "bot:\n  treatment_fraction: 1.5\n  update_cutoff: 0\nlogging:\n  level: \"info,=x=\"\n",
        &[],
    )
    .unwrap_err();
    let lines = err.lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("bot.treatment_fraction"), "{lines:?}");
    assert!(lines[1].contains("bot.update_cutoff"), "{lines:?}");
    assert!(lines[2].contains("logging.level"), "{lines:?}");
}

#[test]
fn invalid_env_value_names_the_variable_not_the_file() {
    let err = parse(
        "bot:\n  debug: false\n",
        &[("APPEALMOD__BOT__DEBUG", "yes")],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("environment variable APPEALMOD__BOT__DEBUG: `bot.debug` invalid type"),
        "{err}"
    );
    assert!(!err.contains("test.yaml"), "{err}");
    let err = parse("", &[("APPEALMOD__BOT__TREATMENT_FRACTION", "1.5")])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("environment variable APPEALMOD__BOT__TREATMENT_FRACTION:"),
        "{err}"
    );
    // A bad value in the file is still the file's.
    let err = parse(
        "bot:\n  debug: yes please\n",
        &[("APPEALMOD__BOT__RNG_SEED", "1")],
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("test.yaml: `bot.debug`"), "{err}");
}

#[test]
fn the_sites_wait_for_a_connection_is_bounded() {
    assert_eq!(
        parse("", &[])
            .expect("defaults")
            .database
            .web_acquire_timeout_ms,
        1500
    );
    for bad in ["0", "99", "60001"] {
        let err = parse("", &[("APPEALMOD__DATABASE__WEB_ACQUIRE_TIMEOUT_MS", bad)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`database.web_acquire_timeout_ms` must be between 100 and 60000"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn yaml_syntax_error_names_line_and_column() {
    let err = parse("bot:\n  debug: false\n treatment_fraction: 0.5\n", &[]).unwrap_err();
    let ConfigError::Syntax { location, .. } = &err else {
        panic!("expected a syntax error, got {err}");
    };
    let (line, column) = location.expect("a position");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "test.yaml line {line}, column {column}: syntax error: "
        )),
        "{text}"
    );
    assert_eq!(line, 3, "{text}");
    assert!(
        !text.contains(&format!("at line {line} column {column}")),
        "said once: {text}"
    );
}

#[test]
fn printed_urls_mask_only_their_password() {
    let c = parse(
        "database:\n  url: postgres://appealmod:dbpass@db:5432/appealmod\n\
         mongodb:\n  uri: mongodb://logs:mongopass@mongo:27017/?authSource=admin\n\
         reddit:\n  password: hunter2hunter2\n",
        &[],
    )
    .expect("parses");
    let printed = c.to_redacted_yaml();
    assert!(
        printed.contains("url: postgres://appealmod:[redacted]@db:5432/appealmod"),
        "{printed}"
    );
    assert!(
        printed.contains("uri: mongodb://logs:[redacted]@mongo:27017/?authSource=admin"),
        "{printed}"
    );
    assert!(
        printed.contains("password: '[redacted]'") || printed.contains("password: \"[redacted]\""),
        "{printed}"
    );
    for secret in ["dbpass", "mongopass", "hunter2"] {
        assert!(!printed.contains(secret), "{secret} leaked:\n{printed}");
    }
}

#[test]
fn empty_file_gives_defaults() {
    let c = parse("", &[]).expect("defaults");
    assert_eq!(c.bot.treatment_fraction, 0.5);
    assert_eq!(c.database.url.expose(), "sqlite://data/appealmod.sqlite");
    assert!(c.mongodb.uri.is_none());
    assert!(c.reddit.credentials().is_err());
}

#[test]
fn typo_is_reported_with_its_path() {
    let err = parse("bot:\n  treatment_fracton: 0.3\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("`bot.treatment_fracton`"), "{err}");
    assert!(err.contains("unknown field `treatment_fracton`"), "{err}");
    assert!(
        err.contains("treatment_fraction"),
        "names the expected keys: {err}"
    );
}

#[test]
fn wrong_type_is_reported_with_its_path() {
    let err = parse("bot:\n  dialogue_update_interval: soon\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("bot.dialogue_update_interval"), "{err}");
}

#[test]
fn out_of_range_values_are_refused() {
    let err = parse("bot:\n  treatment_fraction: 1.5\n", &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bot.treatment_fraction") && err.contains("between 0.0 and 1.0"),
        "{err}"
    );
    let err = parse("database:\n  url: mysql://x\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("database.url"), "{err}");
    let err = parse("web:\n  link_secret: short\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("web.link_secret"), "{err}");
}

#[test]
fn env_overrides_file() {
    let c = parse(
        "bot:\n  debug: false\nreddit:\n  username: filebot\n",
        &[
            ("APPEALMOD__BOT__DEBUG", "true"),
            ("APPEALMOD__BOT__TREATMENT_FRACTION", "0.25"),
            ("APPEALMOD__REDDIT__PASSWORD", "hunter2"),
            ("APPEALMOD__SLACK__ERRORS", "http://127.0.0.1:9/hook"),
            ("OTHER_VAR", "ignored"),
        ],
    )
    .expect("parses");
    assert!(c.bot.debug);
    assert_eq!(c.bot.treatment_fraction, 0.25);
    assert_eq!(c.reddit.username.as_deref(), Some("filebot"));
    assert_eq!(
        c.reddit.password.as_ref().map(Secret::expose),
        Some("hunter2")
    );
    assert!(c.slack.errors.is_some());
}

#[test]
fn env_typo_is_refused() {
    let err = parse("", &[("APPEALMOD__BOT__DEBUGG", "true")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `debugg`"), "{err}");
}

#[test]
fn secrets_never_print() {
    let c = parse(
        "reddit:\n  password: hunter2hunter2\n  client_secret: topsecretvalue\nweb:\n  link_secret: 0123456789abcdef0123456789abcdef\nslack:\n  main: https://hooks.slack.com/services/T000/B000/XXXXSECRET\n",
        &[("APPEALMOD__DATABASE__URL", "postgres://user:dbpass@localhost/app")],
    )
    .expect("parses");
    let printed = format!("{}\n{:?}", c.to_redacted_yaml(), c);
    for secret in [
        "hunter2hunter2",
        "topsecretvalue",
        "0123456789abcdef",
        "XXXXSECRET",
        "dbpass",
    ] {
        assert!(!printed.contains(secret), "{secret} leaked:\n{printed}");
    }
    assert!(printed.contains("[redacted]"));
}
