//! Where a setting came from, and one thing wrong with it. An operator who set a value in
//! the environment must be sent to that variable, not to a file that never held it.

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The configuration file (its path), or `defaults` when there was none.
    File(String),
    /// An `APPEALMOD__SECTION__KEY` environment variable (its name).
    Env(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => f.write_str(path),
            Self::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

/// One wrong setting: where it came from, its key path and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: Source,
    /// Dotted key path, e.g. `web.link_secret`.
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: `{}` {}", self.origin, self.key, self.message)
    }
}

/// Which keys the environment set, so that problems name the right place.
#[derive(Debug, Clone)]
pub(crate) struct Origins {
    file: String,
    /// Key paths set by environment overrides, in the order they were applied.
    overrides: Vec<(Vec<String>, String)>,
}

impl Default for Origins {
    fn default() -> Self {
        Self::new("defaults")
    }
}

impl Origins {
    pub(crate) fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            overrides: Vec::new(),
        }
    }

    pub(crate) fn record_override(&mut self, path: Vec<String>, variable: &str) {
        self.overrides.push((path, variable.to_owned()));
    }

    /// The source of the value at `path`: the last override that set it or one of its
    /// parents (a later override replaces what an earlier one set), else the file.
    pub(crate) fn source_of(&self, path: &[String]) -> Source {
        self.overrides
            .iter()
            .rev()
            .find(|(set, _)| path.starts_with(set))
            .map(|(_, variable)| Source::Env(variable.clone()))
            .unwrap_or_else(|| Source::File(self.file.clone()))
    }

    /// A problem with the value at the dotted `key`, attributed to where it came from.
    pub(crate) fn problem(&self, key: &str, message: impl Into<String>) -> Problem {
        let path: Vec<String> = key.split('.').map(str::to_owned).collect();
        Problem {
            origin: self.source_of(&path),
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_for_their_key_and_below() {
        let mut o = Origins::new("certs/config.yaml");
        o.record_override(vec!["bot".into(), "debug".into()], "APPEALMOD__BOT__DEBUG");
        o.record_override(vec!["slack".into()], "APPEALMOD__SLACK");
        assert_eq!(
            o.problem("bot.debug", "x").origin,
            Source::Env("APPEALMOD__BOT__DEBUG".into())
        );
        assert_eq!(
            o.problem("slack.main", "x").origin,
            Source::Env("APPEALMOD__SLACK".into())
        );
        assert_eq!(
            o.problem("bot.debugger", "x").origin,
            Source::File("certs/config.yaml".into())
        );
        assert_eq!(
            o.problem("bot", "x").origin,
            Source::File("certs/config.yaml".into())
        );
    }
}
