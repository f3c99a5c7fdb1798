//! WCAG AA contrast of the site's colours in both schemes, computed from `static/style.css`
//! itself: the light palette (`:root`) and the dark one (`:root` inside
//! `@media (prefers-color-scheme: dark)`), each text colour on each background it is used
//! on — 4.5:1 for text, 3:1 for form fields' borders (WCAG 2.1, 1.4.3 and 1.4.11) — and the
//! dark scheme's literal colours for the console.

use std::collections::HashMap;

const CSS: &str = include_str!("../../static/style.css");

/// `(text, background)` by variable name, each pair used somewhere on the site.
const TEXT_ON: &[(&str, &str)] = &[
    ("ink", "paper"),
    ("ink", "card"),
    ("ink", "tint"),
    ("ink", "field"),
    ("ink", "error-soft"),
    ("ink", "accent-soft"),
    ("muted", "paper"),
    ("muted", "card"),
    ("muted", "tint"),
    ("accent", "paper"),
    ("accent", "card"),
    ("accent", "tint"),
    ("accent", "accent-soft"),
    ("accent-dark", "card"),
    ("accent-dark", "accent-soft"),
    ("error", "paper"),
    ("error", "card"),
    ("error", "error-soft"),
    ("on-accent", "accent"),
    ("on-accent", "accent-dark"),
    ("paper", "ink"),
];

/// Borders a reader must see to find a field (non-text contrast).
const EDGE_ON: &[(&str, &str)] = &[("field-line", "field"), ("field-line", "card")];

/// The dark scheme's literals for the console: `(text, background)` in hex or a variable.
const DARK_LITERALS: &[(&str, &str)] = &[
    ("#ffb27a", "card"),
    ("#e8c46a", "paper"),
    ("ink", "#352c12"),
    ("ink", "#3a2416"),
    ("#4a504d", "#ebe9e4"),
];

/// The custom properties declared in the first `:root { … }` after `from`.
fn variables(from: &str) -> HashMap<String, String> {
    let start = from.find(":root {").expect("a :root block") + ":root {".len();
    let body = &from[start..start + from[start..].find('}').expect("its end")];
    body.split(';')
        .filter_map(|decl| {
            let decl = decl.trim();
            let decl = decl.rsplit("*/").next().unwrap_or(decl).trim();
            let (name, value) = decl.strip_prefix("--")?.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn schemes() -> [(&'static str, HashMap<String, String>); 2] {
    let light = variables(CSS);
    let dark_at = CSS
        .find("@media (prefers-color-scheme: dark)")
        .expect("a dark scheme");
    let mut dark = light.clone();
    dark.extend(variables(&CSS[dark_at..]));
    [("light", light), ("dark", dark)]
}

fn colour(scheme: &HashMap<String, String>, name: &str) -> [f64; 3] {
    let hex = if name.starts_with('#') {
        name
    } else {
        scheme
            .get(name)
            .unwrap_or_else(|| panic!("--{name} is not declared"))
    };
    let hex = hex.trim_start_matches('#');
    assert_eq!(hex.len(), 6, "six hex digits: {hex}");
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    [channel(0), channel(2), channel(4)]
}

/// WCAG's contrast ratio.
fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let l = |c: [f64; 3]| 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    let (x, y) = (l(a), l(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn every_text_colour_meets_aa_on_its_backgrounds_in_both_schemes() {
    let mut failures = Vec::new();
    for (name, scheme) in schemes() {
        let pairs = TEXT_ON
            .iter()
            .map(|p| (p, 4.5))
            .chain(EDGE_ON.iter().map(|p| (p, 3.0)));
        for (&(fg, bg), min) in pairs {
            let ratio = contrast(colour(&scheme, fg), colour(&scheme, bg));
            if ratio < min {
                failures.push(format!("{name}: {fg} on {bg} is {ratio:.2}:1 (< {min})"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_dark_schemes_console_literals_meet_aa() {
    let [_, (_, dark)] = schemes();
    let dark_css = &CSS[CSS
        .find("@media (prefers-color-scheme: dark)")
        .expect("dark")..];
    for &(fg, bg) in DARK_LITERALS {
        for literal in [fg, bg].into_iter().filter(|c| c.starts_with('#')) {
            assert!(
                dark_css.contains(literal),
                "{literal} is no longer in the CSS"
            );
        }
        let ratio = contrast(colour(&dark, fg), colour(&dark, bg));
        assert!(ratio >= 4.5, "dark: {fg} on {bg} is {ratio:.2}:1");
    }
}

#[test]
fn the_dark_scheme_redefines_every_colour() {
    let [(_, light), _] = schemes();
    let dark_at = CSS
        .find("@media (prefers-color-scheme: dark)")
        .expect("dark");
    let dark = variables(&CSS[dark_at..]);
    for (name, value) in &light {
        if value.starts_with('#') && name != "focus" {
            assert!(dark.contains_key(name), "--{name} has no dark value");
        }
    }
}
