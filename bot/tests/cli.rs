//! The `appealmod` binary's start-up: exit codes and messages of configuration errors.

use std::path::Path;
use std::process::{Command, Output};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../certs.example/config.yaml");

/// The values `./run.sh sandbox` writes: simulator-only credentials and a random key.
const SANDBOX_LIKE: &str = "\
reddit:
  username: appealmod_bot
  password: sandbox-password
  client_id: sandbox-client
  client_secret: sandbox-secret
  auth_base_url: http://127.0.0.1:9
  api_base_url: http://127.0.0.1:9
database:
  url: postgres://appealmod:s3cr3t-pw@db:5432/appealmod
web:
  link_secret: 5f2b9c0e4d6a8b1c3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d
";

/// Runs `appealmod` in an empty directory, with no `APPEALMOD…` variable but `env`.
fn appealmod(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_appealmod"));
    cmd.args(args).current_dir(dir.path());
    for (key, _) in std::env::vars() {
        if key.starts_with("APPEALMOD") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("runs appealmod")
}

fn write(dir: &Path, text: &str) -> String {
    let path = dir.join("config.yaml");
    std::fs::write(&path, text).expect("writes the config");
    path.display().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_config_refuses_every_placeholder_of_the_example() {
    let out = appealmod(&["check-config", "--config", EXAMPLE], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for key in [
        "reddit.password",
        "reddit.client_id",
        "reddit.client_secret",
        "web.link_secret",
        "slack.main",
    ] {
        assert!(
            err.contains(&format!("`{key}` ")),
            "{key} not named:\n{err}"
        );
    }
    assert!(err.contains("openssl rand -hex 32"), "{err}");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(!printed.contains("# OK"), "{printed}");
}

#[test]
fn runners_and_migrate_refuse_the_example_before_starting() {
    for args in [
        ["recent", "--once"].as_slice(),
        ["started", "--once"].as_slice(),
        ["migrate"].as_slice(),
    ] {
        let mut args = args.to_vec();
        args.extend(["--config", EXAMPLE]);
        let out = appealmod(&args, &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("`web.link_secret` is the example's value"),
            "{err}"
        );
    }
}

#[test]
fn check_config_accepts_real_values_and_masks_only_the_url_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), SANDBOX_LIKE);
    let out = appealmod(&["check-config", "--config", &path], &[]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}\n{printed}", stderr(&out));
    assert!(printed.contains("# OK"), "{printed}");
    assert!(
        printed.contains("postgres://appealmod:[redacted]@db:5432/appealmod"),
        "{printed}"
    );
    for secret in [
        "s3cr3t-pw",
        "sandbox-password",
        "sandbox-secret",
        "5f2b9c0e",
    ] {
        assert!(!printed.contains(secret), "{secret} leaked:\n{printed}");
    }
}

#[test]
fn check_config_refuses_a_key_too_easy_to_guess() {
    let dir = tempfile::tempdir().expect("temp dir");
    let weak = SANDBOX_LIKE.replace(
        "5f2b9c0e4d6a8b1c3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d",
        &"a".repeat(32),
    );
    let path = write(dir.path(), &weak);
    let out = appealmod(&["check-config", "--config", &path], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`web.link_secret` is too easy to guess")
            && err.contains("openssl rand -hex 32"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("# OK"));
    // The runners refuse it before they start, too.
    let out = appealmod(&["recent", "--once", "--config", &path], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), SANDBOX_LIKE);
    let out = appealmod(
        &["check-config", "--config", &path],
        &[("APPEALMOD__BOT__DEBUG", "yes")],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("environment variable APPEALMOD__BOT__DEBUG: `bot.debug`"),
        "{err}"
    );
    assert!(!err.contains(&path), "the file is not blamed: {err}");
}

#[test]
fn a_yaml_syntax_error_names_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        dir.path(),
        "bot:\n  debug: false\n treatment_fraction: 0.5\n",
    );
    let out = appealmod(&["check-config", "--config", &path], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{path} line 3, column ")) && err.contains(": syntax error: "),
        "{err}"
    );
}
