//! A message as Reddit would show it: Markdown rendered like Reddit's (paragraphs, quotes,
//! emphasis, lists, strikethrough, tables, bare URLs as links), raw HTML shown as text, and
//! only http(s) and mailto links.

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// What the preview fills the placeholders with.
pub struct Sample<'a> {
    pub username: &'a str,
    pub subreddit: &'a str,
    pub link: &'a str,
    pub expires: &'a str,
}

/// The HTML of one message template with the sample values filled in. Safe to put in a
/// page as it is: every text is escaped and no script or foreign scheme can get through.
pub fn render(template: &str, sample: &Sample<'_>) -> String {
    // The placeholders the bot fills (`{expires}` with the link's last day).
    let text = template
        .replace("{username}", sample.username)
        .replace("{subreddit}", sample.subreddit)
        .replace("{link}", sample.link)
        .replace("{expires}", sample.expires);
    markdown_html(&text)
}

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with("/r/")
        || lower.starts_with("/u/")
}

pub fn markdown_html(text: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut in_link = 0_usize;
    let mut dropped_links = 0_usize;
    for event in Parser::new_ext(text, options) {
        match event {
            // Reddit shows HTML as the text it is.
            Event::Html(h) | Event::InlineHtml(h) => events.push(Event::Text(h)),
            Event::Start(Tag::Link { dest_url, .. }) if !safe_url(&dest_url) => dropped_links += 1,
            Event::End(TagEnd::Link) if dropped_links > 0 => dropped_links -= 1,
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            e @ Event::Start(Tag::Link { .. }) => {
                in_link += 1;
                events.push(e);
            }
            e @ Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                events.push(e);
            }
            Event::Text(t) if in_link == 0 => linkify(t, &mut events),
            other => events.push(other),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Bare http(s) URLs in text become links, as on Reddit.
fn linkify<'a>(t: CowStr<'a>, out: &mut Vec<Event<'a>>) {
    let s: &str = &t;
    if !s.contains("http://") && !s.contains("https://") {
        out.push(Event::Text(t));
        return;
    }
    let mut rest = s;
    while let Some(i) = rest.find("https://").or_else(|| rest.find("http://")) {
        let (before, from) = rest.split_at(i);
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ')'))
            .unwrap_or(from.len());
        let url = from[..end].trim_end_matches(['.', ',', ';', '!', '?']);
        if !before.is_empty() {
            out.push(Event::Text(CowStr::from(before.to_owned())));
        }
        let dest = CowStr::from(url.to_owned());
        out.push(Event::Start(Tag::Link {
            link_type: LinkType::Autolink,
            dest_url: dest.clone(),
            title: CowStr::from(""),
            id: CowStr::from(""),
        }));
        out.push(Event::Text(dest));
        out.push(Event::End(TagEnd::Link));
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        out.push(Event::Text(CowStr::from(rest.to_owned())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_like_reddit_and_nothing_unsafe() {
        let sample = Sample {
            username: "someone",
            subreddit: "pics",
            link: "https://appeals.example.org/appeal/XYZ",
            expires: "1 January 2027 (UTC)",
        };
        let html = render(
            "Hi u/{username}, **fill** this: {link}\n\n> quoted",
            &sample,
        );
        assert!(html.contains("<strong>fill</strong>"), "{html}");
        assert!(
            html.contains("<a href=\"https://appeals.example.org/appeal/XYZ\">https://appeals.example.org/appeal/XYZ</a>"),
            "{html}"
        );
        assert!(html.contains("<blockquote>"), "{html}");
        let evil = markdown_html(
            "<script>alert(1)</script>\n\nA [link](javascript:alert) and ![i](http://x/i.png) <b>x</b>",
        );
        assert!(!evil.contains("<script"), "{evil}");
        assert!(evil.contains("&lt;script&gt;"), "{evil}");
        assert!(!evil.contains("javascript:"), "{evil}");
        assert!(evil.contains("A link and"), "{evil}");
        assert!(evil.contains("&lt;b&gt;"), "{evil}");
        assert!(!evil.contains("<img"), "{evil}");
    }
}
