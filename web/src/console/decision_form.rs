//! The "Decision messages" section of the settings form: the texts the bot sends a user
//! when the moderators grant, deny (by name) or reduce a ban, each checked, with a preview
//! for an example appeal. What is stored is core's [`DecisionTemplates`].

use appealmod_core::decide::verdict::{DECISION_PLACEHOLDERS, DecisionTemplates};

use super::preview::{Sample, render};
use crate::form::FormData;

/// The longest decision message (the bot adds nothing to it).
pub const MAX_DECISION_TEXT: usize = 2_000;
/// Most named denials a subreddit may have.
pub const MAX_DENIALS: usize = 20;
const MAX_NAME: usize = 20;
/// The denial a plain denial (`!deny`, the console's first choice) uses.
const DEFAULT_NAME: &str = "default";

/// One named denial as the form shows it.
#[derive(Debug, Clone, Default)]
pub struct DenialView {
    pub index: usize,
    pub name: String,
    pub text: String,
    /// The empty slot for adding a denial.
    pub is_new: bool,
}

impl DenialView {
    /// The `default` denial: its name is fixed and it cannot be removed.
    pub fn is_default(&self) -> bool {
        self.name == DEFAULT_NAME
    }
}

/// The section's fields (stored values, or what was just posted).
#[derive(Debug, Clone, Default)]
pub struct DecisionsView {
    pub grant: String,
    pub reduce: String,
    /// The named denials, then one empty slot.
    pub denials: Vec<DenialView>,
}

/// The form showing `t` (a subreddit's resolved texts).
pub fn view_of(t: &DecisionTemplates) -> DecisionsView {
    let denials = t
        .deny
        .iter()
        .map(|(name, text)| (name.clone(), text.clone()))
        .collect();
    DecisionsView {
        grant: t.grant.clone(),
        reduce: t.reduce.clone(),
        denials: numbered(denials),
    }
}

/// Indexes `denials` from 0 and adds the empty slot.
fn numbered(denials: Vec<(String, String)>) -> Vec<DenialView> {
    let mut out: Vec<DenialView> = denials
        .into_iter()
        .enumerate()
        .map(|(index, (name, text))| DenialView {
            index,
            name,
            text,
            is_new: false,
        })
        .collect();
    out.push(DenialView {
        index: out.len(),
        is_new: true,
        ..DenialView::default()
    });
    out
}

/// The section as posted: removed denials and an untouched empty slot dropped, the rest
/// numbered again (so the errors name the fields of the page shown with them).
pub fn posted(form: &FormData) -> DecisionsView {
    let text = |k: &str| form.get(k).unwrap_or_default().replace("\r\n", "\n");
    let count: usize = form
        .get("d_count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
        .min(MAX_DENIALS + 1);
    let denials = (0..count)
        .filter(|i| form.get(&format!("d{i}_remove")).is_none())
        .map(|i| {
            let name = form.get(&format!("d{i}_name")).unwrap_or_default();
            (name.trim().to_lowercase(), text(&format!("d{i}_text")))
        })
        .filter(|(name, text)| !(name.is_empty() && text.trim().is_empty()))
        .collect();
    DecisionsView {
        grant: text("decision_grant"),
        reduce: text("decision_reduce"),
        denials: numbered(denials),
    }
}

/// Every field checked, each problem reported to `bad` in the order of the form; `None`
/// when any is wrong.
pub fn check(v: &DecisionsView, bad: &mut impl FnMut(&str, String)) -> Option<DecisionTemplates> {
    let mut ok = true;
    let mut report = |anchor: &str, problem: Option<String>| {
        if let Some(m) = problem {
            bad(anchor, m);
            ok = false;
        }
    };
    report(
        "decision_grant",
        text_problem("The grant message", &v.grant, false),
    );
    report(
        "decision_reduce",
        text_problem("The reduce message", &v.reduce, true),
    );
    let named: Vec<&DenialView> = v.denials.iter().filter(|d| !d.is_new).collect();
    let mut seen: Vec<&str> = Vec::new();
    for d in &named {
        let label = format!("The denial \"{}\"", d.name);
        let name_problem = name_problem(&d.name, &seen);
        report(&format!("d{}_name", d.index), name_problem);
        report(
            &format!("d{}_text", d.index),
            text_problem(&label, &d.text, false),
        );
        seen.push(&d.name);
    }
    if !seen.contains(&DEFAULT_NAME) {
        report(
            "d0_name",
            Some("A denial named \"default\" is required: a plain denial uses it.".to_owned()),
        );
    }
    if named.len() > MAX_DENIALS {
        report(
            "d0_name",
            Some(format!("At most {MAX_DENIALS} denial messages.")),
        );
    }
    ok.then(|| DecisionTemplates {
        grant: v.grant.clone(),
        deny: named
            .iter()
            .map(|d| (d.name.clone(), d.text.clone()))
            .collect(),
        reduce: v.reduce.clone(),
    })
}

/// What is wrong with a denial's name, given the names before it.
fn name_problem(name: &str, seen: &[&str]) -> Option<String> {
    if name.is_empty()
        || name.chars().count() > MAX_NAME
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Some(format!(
            "A denial's name is 1 to {MAX_NAME} lowercase letters, digits or '-' (\"{name}\" is not)."
        ))
    } else if seen.contains(&name) {
        Some(format!(
            "Two denials are named \"{name}\"; names are unique."
        ))
    } else {
        None
    }
}

/// What is wrong with a message text (`label` names it); `{days}` only where `days`.
fn text_problem(label: &str, body: &str, days: bool) -> Option<String> {
    if body.trim().is_empty() {
        return Some(format!("{label} cannot be empty."));
    }
    if body.chars().count() > MAX_DECISION_TEXT {
        return Some(format!("{label} has at most 2,000 characters."));
    }
    let unknown = placeholders(body).find(|p| !DECISION_PLACEHOLDERS.contains(p));
    if let Some(p) = unknown {
        return Some(format!(
            "{label} uses {{{p}}}, which the bot does not fill in; use {{username}}, {{subreddit}}, {{reason}} or {{days}}."
        ));
    }
    if !days && placeholders(body).any(|p| p == "days") {
        return Some(format!(
            "{label} uses {{days}}, which only the reduce message has."
        ));
    }
    None
}

/// The `{name}`s of `body` (letters, digits, `_`).
fn placeholders(body: &str) -> impl Iterator<Item = &str> {
    body.split('{').skip(1).filter_map(|part| {
        let name = &part[..part.find('}')?];
        (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(name)
    })
}

/// The example appeal the previews fill in.
pub const EXAMPLE_REASON: &str = "Rule 2: be civil";
pub const EXAMPLE_DAYS: &str = "7";

/// The HTML of one decision message for the example appeal in `subreddit`, as Reddit
/// would show it.
pub fn preview(text: &str, subreddit: &str) -> String {
    let filled = text
        .replace("{days}", EXAMPLE_DAYS)
        .replace("{reason}", EXAMPLE_REASON);
    let sample = Sample {
        username: "example_user",
        subreddit,
        link: "",
        expires: "",
    };
    render(&filled, &sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(v: &DecisionsView) -> (Vec<(String, String)>, Option<DecisionTemplates>) {
        let mut out = Vec::new();
        let t = check(v, &mut |a: &str, m| out.push((a.to_owned(), m)));
        (out, t)
    }

    #[test]
    fn the_defaults_pass_and_each_problem_names_its_field() {
        let v = view_of(&DecisionTemplates::default());
        let (errors, t) = problems(&v);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(t, Some(DecisionTemplates::default()));

        let mut v = view_of(&DecisionTemplates::default());
        v.grant = "Welcome back {user}".into();
        v.reduce = " ".into();
        v.denials[1].name = "Rules!".into();
        v.denials[2].name = "default".into();
        v.denials[0].text = "{days} more".into();
        let (errors, t) = problems(&v);
        assert!(t.is_none());
        let anchors: Vec<&str> = errors.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "decision_grant",
                "decision_reduce",
                "d0_text",
                "d1_name",
                "d2_name"
            ]
        );
        assert!(errors[0].1.contains("{user}"), "{}", errors[0].1);
        assert!(errors[2].1.contains("only the reduce"), "{}", errors[2].1);
        assert!(errors[4].1.contains("unique"), "{}", errors[4].1);
    }
}
