//! Loading: which file, its YAML, the `APPEALMOD__…` environment overrides, and the
//! errors that name the key and the source at fault.

use std::path::{Path, PathBuf};

use super::problem::Origins;
use super::{CONFIG_PATH_ENV, Config, DEFAULT_CONFIG_PATH, ENV_PREFIX, Problem, Source};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "configuration file {path} not found. Create it from the example: \
         `mkdir -p certs && cp certs.example/config.yaml certs/config.yaml`, then edit it \
         (or choose another file with --config PATH or APPEALMOD_CONFIG)"
    )]
    NotFound { path: PathBuf },
    #[error("cannot read configuration file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not YAML; `location` is (line, column), both from 1.
    #[error("{origin}{}: syntax error: {message}", at_line(*.location))]
    Syntax {
        origin: String,
        location: Option<(usize, usize)>,
        message: String,
    },
    /// A key the program does not know, or a value of the wrong type.
    #[error("{0}")]
    Parse(Problem),
    #[error("configuration `{path}` {message}")]
    Invalid { path: String, message: String },
    /// Values of the right type that cannot work; all of them, so that one edit fixes all.
    #[error("{}", join_lines(.0))]
    InvalidValues(Vec<Problem>),
    /// The example's placeholders and keys too easy to guess
    /// ([`Config::refuse_placeholders`]); all of them.
    #[error("{}", join_lines(.0))]
    Placeholders(Vec<Problem>),
}

impl ConfigError {
    /// One line per problem, for printing each with the program's prefix.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Self::InvalidValues(problems) | Self::Placeholders(problems) => {
                problems.iter().map(Problem::to_string).collect()
            }
            other => vec![other.to_string()],
        }
    }
}

fn at_line(location: Option<(usize, usize)>) -> String {
    location
        .map(|(line, column)| format!(" line {line}, column {column}"))
        .unwrap_or_default()
}

fn join_lines(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
}

impl Config {
    /// Which file to read: `--config` if given, else `APPEALMOD_CONFIG`, else the default.
    pub fn resolve_path(cli: Option<&Path>) -> PathBuf {
        cli.map(Path::to_path_buf)
            .or_else(|| std::env::var_os(CONFIG_PATH_ENV).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH))
    }

    /// Reads the file and applies the process environment's overrides.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound {
                    path: path.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(ConfigError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Self::from_yaml_and_env(&text, &path.display().to_string(), std::env::vars())
    }

    /// Reads the file if it exists; otherwise starts from the defaults. Used by the commands
    /// that run on embedded defaults (the sandbox, `migrate`).
    pub fn load_or_default(path: &Path) -> Result<Self, ConfigError> {
        match Self::load(path) {
            Err(ConfigError::NotFound { .. }) => {
                Self::from_yaml_and_env("{}", "defaults", std::env::vars())
            }
            other => other,
        }
    }

    /// Parses YAML text, applies `APPEALMOD__…` overrides from `env`, validates. The
    /// example's placeholders pass: refusing them is [`Config::refuse_placeholders`].
    pub fn from_yaml_and_env(
        text: &str,
        origin: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut value = parse_yaml(text, origin)?;
        let mut origins = Origins::new(origin);
        apply_env(&mut value, env, &mut origins)?;
        let mut config: Config =
            serde_path_to_error::deserialize(value).map_err(|e| type_error(e, &origins))?;
        config.origins = origins;
        config.validate()?;
        Ok(config)
    }
}

/// The file's text as a YAML tree; an empty file (or `~`) is an empty mapping.
fn parse_yaml(text: &str, origin: &str) -> Result<serde_yaml::Value, ConfigError> {
    if text.trim().is_empty() {
        return Ok(serde_yaml::Value::Mapping(Default::default()));
    }
    match serde_yaml::from_str::<serde_yaml::Value>(text) {
        Ok(serde_yaml::Value::Null) => Ok(serde_yaml::Value::Mapping(Default::default())),
        Ok(value) => Ok(value),
        Err(e) => {
            let location = e.location().map(|l| (l.line(), l.column()));
            let mut message = e.to_string();
            // serde_yaml repeats the position inside the message; it is already in front.
            if let Some((line, column)) = location {
                message = message.replacen(&format!(" at line {line} column {column}"), "", 1);
            }
            Err(ConfigError::Syntax {
                origin: origin.to_owned(),
                location,
                message,
            })
        }
    }
}

/// A key the program does not know, or a value of the wrong type, blamed on its source.
fn type_error(e: serde_path_to_error::Error<serde_yaml::Error>, origins: &Origins) -> ConfigError {
    let path: Vec<String> = e.path().iter().map(|s| s.to_string()).collect();
    let key = match e.path().to_string() {
        top if top == "." => "(top level)".to_owned(),
        key => key,
    };
    let origin = origins.source_of(&path);
    let mut message = explain(&e.into_inner().to_string());
    if matches!(origin, Source::Env(_)) && message.starts_with("invalid type") {
        message.push_str(". Environment values are read as YAML scalars: true, false, 0.25, ~");
    }
    ConfigError::Parse(Problem {
        origin,
        key,
        message,
    })
}

/// Applies the `APPEALMOD__SECTION__KEY` overrides in `env`, noting which keys each set.
fn apply_env(
    value: &mut serde_yaml::Value,
    env: impl IntoIterator<Item = (String, String)>,
    origins: &mut Origins,
) -> Result<(), ConfigError> {
    for (key, raw) in env {
        let Some(rest) = key.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        if path.iter().any(String::is_empty) {
            return Err(ConfigError::Invalid {
                path: key.clone(),
                message: "is not a valid override name (expected APPEALMOD__SECTION__KEY)"
                    .to_owned(),
            });
        }
        set_path(value, &path, parse_env_value(&raw)).map_err(|message| {
            ConfigError::Parse(Problem {
                origin: Source::Env(key.clone()),
                key: path.join("."),
                message,
            })
        })?;
        origins.record_override(path, &key);
    }
    Ok(())
}

/// serde's messages for unknown fields are accurate but terse; say what to do.
fn explain(inner: &str) -> String {
    if inner.starts_with("unknown field") {
        format!("{inner}. Check the spelling against certs.example/config.yaml")
    } else {
        inner.to_owned()
    }
}

/// Environment values are YAML scalars (`true`, `0.5`, `~`); anything else is a string.
fn parse_env_value(raw: &str) -> serde_yaml::Value {
    match serde_yaml::from_str::<serde_yaml::Value>(raw) {
        Ok(
            v @ (serde_yaml::Value::Bool(_)
            | serde_yaml::Value::Number(_)
            | serde_yaml::Value::Null),
        ) => v,
        Ok(v @ serde_yaml::Value::Sequence(_)) if raw.trim_start().starts_with('[') => v,
        _ => serde_yaml::Value::String(raw.to_owned()),
    }
}

fn set_path(
    root: &mut serde_yaml::Value,
    path: &[String],
    v: serde_yaml::Value,
) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Ok(());
    };
    let mut cur = root;
    for p in parents {
        let map = cur
            .as_mapping_mut()
            .ok_or_else(|| format!("cannot set `{p}`: its parent is not a section"))?;
        let key = serde_yaml::Value::String(p.clone());
        cur = map
            .entry(key)
            .or_insert_with(|| serde_yaml::Value::Mapping(Default::default()));
        if cur.is_null() {
            *cur = serde_yaml::Value::Mapping(Default::default());
        }
    }
    let map = cur
        .as_mapping_mut()
        .ok_or_else(|| format!("cannot set `{last}`: its parent is not a section"))?;
    map.insert(serde_yaml::Value::String(last.clone()), v);
    Ok(())
}
