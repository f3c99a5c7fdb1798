//! Reading the site's forms the way a browser would: the hidden CSRF field and, for the
//! appeal form, a complete set of answers for whatever questions the page shows (each
//! subreddit may customise them, so nothing is hard-coded here).

/// The value of the hidden CSRF field.
pub fn csrf_of(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

/// Answers for every question of an appeal form page: text for each text box, the first
/// option of each choice ("yes" for yes/no), the first box of each checkbox group.
pub fn answers_for(html: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut chosen_radio: Vec<String> = Vec::new();
    let mut chosen_box: Vec<String> = Vec::new();
    for tag in tags(html, "<textarea") {
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        // The "Other: please explain" box only matters when "Other" was chosen, which
        // this filler never does.
        if name.ends_with("_other") {
            continue;
        }
        let max = attr(tag, "maxlength")
            .and_then(|m| m.parse::<usize>().ok())
            .unwrap_or(500);
        let text: String = answer_text(&name).chars().take(max).collect();
        out.push((name, text));
    }
    for tag in tags(html, "<input") {
        let (Some(kind), Some(name), Some(value)) =
            (attr(tag, "type"), attr(tag, "name"), attr(tag, "value"))
        else {
            continue;
        };
        match kind.as_str() {
            "radio" => {
                if chosen_radio.contains(&name) {
                    // A yes/no question: answer yes whatever the order of the options.
                    if value == "yes"
                        && let Some(slot) = out.iter_mut().find(|(n, _)| *n == name)
                    {
                        slot.1 = value;
                    }
                } else {
                    chosen_radio.push(name.clone());
                    out.push((name, value));
                }
            }
            "checkbox" if !chosen_box.contains(&name) => {
                chosen_box.push(name.clone());
                out.push((name, value));
            }
            _ => {}
        }
    }
    out
}

/// What a browser would post from the console's settings form as it stands (`<form …
/// class="settings">`): its hidden fields, text boxes, text areas, the chosen option of each
/// select and the ticked boxes; buttons are left out.
pub fn settings_fields(html: &str) -> Option<Vec<(String, String)>> {
    let start = html.find("class=\"settings\"")?;
    let form = &html[start..start + html[start..].find("</form>")?];
    let mut out = Vec::new();
    for tag in tags(form, "<input") {
        let (Some(name), kind) = (attr(tag, "name"), attr(tag, "type").unwrap_or_default()) else {
            continue;
        };
        let ticked = tag.contains(" checked");
        match kind.as_str() {
            "checkbox" | "radio" if !ticked => {}
            "submit" | "button" => {}
            _ => out.push((name, attr(tag, "value").unwrap_or_else(|| "on".to_owned()))),
        }
    }
    for (i, _) in form.match_indices("<textarea") {
        let rest = &form[i..];
        let (Some(open_end), Some(close)) = (rest.find('>'), rest.find("</textarea>")) else {
            continue;
        };
        if let Some(name) = attr(&rest[..open_end], "name") {
            out.push((name, unescape(&rest[open_end + 1..close])));
        }
    }
    for (i, _) in form.match_indices("<select") {
        let rest = &form[i..];
        let (Some(open_end), Some(close)) = (rest.find('>'), rest.find("</select>")) else {
            continue;
        };
        let Some(name) = attr(&rest[..open_end], "name") else {
            continue;
        };
        let options: Vec<&str> = tags(&rest[..close], "<option").collect();
        let chosen = options
            .iter()
            .find(|o| o.contains(" selected"))
            .or(options.first())
            .and_then(|o| attr(o, "value"));
        if let Some(value) = chosen {
            out.push((name, value));
        }
    }
    Some(out)
}

/// The link the bot sent: the first word of `body` that contains `/appeal/`.
pub fn appeal_link(body: &str) -> Option<String> {
    body.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '<' || c == '>')
        .find(|w| w.contains("/appeal/") && w.starts_with("http"))
        .map(|w| {
            w.trim_end_matches(['.', ',', ';', '!', '?', '"', '\''])
                .to_owned()
        })
}

fn answer_text(field: &str) -> String {
    let f = field.to_ascii_lowercase();
    if f.contains("rule") {
        "No spamming links; one self-promotion post a week at most.".into()
    } else if f.contains("step") {
        "I will read the rules before posting and ask the moderators when unsure.".into()
    } else if f.contains("action") {
        "I posted the same link in several threads because I was excited about it.".into()
    } else if f.contains("ban") {
        "I was banned for posting the same link too often.".into()
    } else {
        "I understand the rule now and I am sorry for breaking it.".into()
    }
}

/// The opening tags that start with `open` (e.g. `<input`), each up to its `>`.
fn tags<'a>(html: &'a str, open: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    html.match_indices(open).filter_map(move |(i, _)| {
        let rest = &html[i..];
        rest.find('>').map(|end| &rest[..end])
    })
}

/// An attribute's (unescaped) value in a tag written by our own templates: `name="value"`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// The entities askama writes.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_kind_of_question() {
        let html = r#"<form><input type="hidden" name="csrf" value="abc&#x27;">
        <textarea id="a" name="q_rule" rows="5" maxlength="10" required></textarea>
        <textarea id="b" name="q_reason_other" rows="3"></textarea>
        <input type="radio" id="x1" name="q_reason" value="I disagree" required>
        <input type="radio" id="x2" name="q_reason" value="other" required>
        <input type="radio" id="y1" name="q_wrong" value="no" required>
        <input type="radio" id="y2" name="q_wrong" value="yes" required>
        <input type="checkbox" id="z1" name="q_examples" value="You&#x27;re wrong">
        <input type="checkbox" id="z2" name="q_examples" value="Second"></form>"#;
        assert_eq!(csrf_of(html).as_deref(), Some("abc'"));
        let a = answers_for(html);
        assert_eq!(
            a,
            vec![
                ("q_rule".into(), "No spammin".into()),
                ("q_reason".into(), "I disagree".into()),
                ("q_wrong".into(), "yes".into()),
                ("q_examples".into(), "You're wrong".into()),
            ]
        );
    }

    #[test]
    fn finds_the_link_in_a_message() {
        let body = "Hi u/x, please fill in: http://127.0.0.1:9/appeal/AbC-12_x. Thanks";
        assert_eq!(
            appeal_link(body).as_deref(),
            Some("http://127.0.0.1:9/appeal/AbC-12_x")
        );
        assert_eq!(appeal_link("no link"), None);
    }
}
