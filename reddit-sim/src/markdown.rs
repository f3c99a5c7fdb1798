//! Reddit's `body` HTML for a message's `bodyMarkdown`.
//!
//! The structure comes from a real CommonMark parser (pulldown-cmark); this module only
//! writes its events the way Reddit's renderer (snudown) lays them out, as the recorded
//! answers show: blocks separated by a blank line, `<p>` inside loose list items, `<br/>`
//! and `<hr/>`, every `'` as `&#39;`, raw HTML shown as text, and bare URLs, `r/sub` and
//! `u/name` turned into links. Clients look for `<blockquote>` to find a ban reason and
//! for `<a href>` to follow links, so those must come out as Reddit writes them.

use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};

/// `<!-- SC_OFF --><div class="md">…</div><!-- SC_ON -->`, as in every recorded `body`.
pub fn body_html(markdown: &str) -> String {
    format!(
        "<!-- SC_OFF --><div class=\"md\">{}</div><!-- SC_ON -->",
        render(markdown)
    )
}

/// The HTML inside the `md` div.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut w = Writer::default();
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            // CommonMark drops the spaces that end a line; snudown keeps them.
            Event::SoftBreak => {
                let kept = trailing_blanks(&markdown[..range.start]);
                w.out().push_str(kept);
                w.out().push('\n');
            }
            Event::End(TagEnd::Paragraph) => {
                let source = markdown[range].trim_end_matches(['\n', '\r']);
                w.out().push_str(trailing_blanks(source));
                w.event(Event::End(TagEnd::Paragraph));
            }
            event => w.event(event),
        }
    }
    w.finish()
}

/// The spaces and tabs `s` ends with.
fn trailing_blanks(s: &str) -> &str {
    &s[s.trim_end_matches([' ', '\t']).len()..]
}

/// Escapes text the way Reddit does in `body` (also inside attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Containers whose content is rendered on its own first, as snudown does: a block's
/// leading blank line depends on whether its own container already holds something.
#[derive(Default)]
struct Frame {
    html: String,
}

#[derive(Default)]
struct Writer {
    /// The document at the bottom, then one frame per open quote, list and list item.
    frames: Vec<Frame>,
    /// Inside `[text](url)`: the text is not autolinked again.
    in_link: usize,
    in_code_block: bool,
    table_alignments: Vec<Alignment>,
    table_column: usize,
    in_table_head: bool,
    /// Text not written yet: CommonMark splits text at `_` and `*`, but a URL spans them.
    pending: String,
}

impl Writer {
    /// The open container's HTML, with pending text written first.
    fn out(&mut self) -> &mut String {
        if self.frames.is_empty() {
            self.frames.push(Frame::default());
        }
        let text = std::mem::take(&mut self.pending);
        let last = self.frames.len() - 1;
        let html = &mut self.frames[last].html;
        if !text.is_empty() {
            html.push_str(&autolink(&text));
        }
        html
    }

    /// A block starts: a blank line first unless it opens its container.
    fn block(&mut self, open: &str) {
        let out = self.out();
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(open);
    }

    fn push_frame(&mut self) {
        self.out();
        self.frames.push(Frame::default());
    }

    fn pop_frame(&mut self) -> String {
        self.out();
        // The document frame stays; only containers pushed by `push_frame` come off.
        if self.frames.len() > 1 {
            self.frames.pop().map(|f| f.html).unwrap_or_default()
        } else {
            String::new()
        }
    }

    fn finish(mut self) -> String {
        self.out();
        while self.frames.len() > 1 {
            let inner = self.pop_frame();
            self.out().push_str(&inner);
        }
        self.frames.pop().map(|f| f.html).unwrap_or_default()
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => {
                let html = format!("<code>{}</code>", escape(&code));
                self.out().push_str(&html);
            }
            // Reddit shows raw HTML as text.
            Event::Html(html) | Event::InlineHtml(html) => {
                let text = escape(html.trim_end_matches('\n'));
                self.out().push_str(&text);
            }
            Event::SoftBreak => self.out().push('\n'),
            Event::HardBreak => self.out().push_str("<br/>\n"),
            Event::Rule => self.block("<hr/>\n"),
            Event::FootnoteReference(_)
            | Event::TaskListMarker(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.block("<p>"),
            // Reddit has no HTML blocks: their text becomes a paragraph.
            Tag::HtmlBlock => self.block("<p>"),
            Tag::Heading { level, .. } => self.block(&format!("<{level}>")),
            Tag::BlockQuote(_) | Tag::List(_) => {
                self.block("");
                self.push_frame();
            }
            Tag::Item => self.push_frame(),
            Tag::CodeBlock(_) => {
                self.in_code_block = true;
                self.block("<pre><code>");
            }
            Tag::Table(alignments) => {
                self.table_alignments = alignments;
                self.block("<table><thead>\n");
            }
            Tag::TableHead => {
                self.in_table_head = true;
                self.table_column = 0;
                self.out().push_str("<tr>\n");
            }
            Tag::TableRow => {
                self.table_column = 0;
                self.out().push_str("<tr>\n");
            }
            Tag::TableCell => self.cell_start(),
            Tag::Emphasis => self.out().push_str("<em>"),
            Tag::Strong => self.out().push_str("<strong>"),
            Tag::Strikethrough => self.out().push_str("<del>"),
            Tag::Superscript => self.out().push_str("<sup>"),
            Tag::Subscript => self.out().push_str("<sub>"),
            // Modmail shows no images: an image is a link to it.
            Tag::Link {
                dest_url, title, ..
            }
            | Tag::Image {
                dest_url, title, ..
            } => self.link_start(&dest_url, &title),
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => self.out().push_str("</p>\n"),
            TagEnd::Heading(level) => {
                let close = format!("</{level}>\n");
                self.out().push_str(&close);
            }
            TagEnd::BlockQuote(_) => {
                let inner = self.pop_frame();
                let html = format!("<blockquote>\n{inner}</blockquote>\n");
                self.out().push_str(&html);
            }
            TagEnd::List(ordered) => {
                let inner = self.pop_frame();
                let name = if ordered { "ol" } else { "ul" };
                let html = format!("<{name}>\n{inner}</{name}>\n");
                self.out().push_str(&html);
            }
            TagEnd::Item => {
                let inner = self.pop_frame();
                let html = format!("<li>{}</li>\n", inner.trim_end_matches('\n'));
                self.out().push_str(&html);
            }
            TagEnd::CodeBlock => {
                self.in_code_block = false;
                self.out().push_str("</code></pre>\n");
            }
            TagEnd::Table => self.out().push_str("</tbody></table>\n"),
            TagEnd::TableHead => {
                self.in_table_head = false;
                self.out().push_str("</tr>\n</thead><tbody>\n");
            }
            TagEnd::TableRow => self.out().push_str("</tr>\n"),
            TagEnd::TableCell => {
                let close = if self.in_table_head {
                    "</th>\n"
                } else {
                    "</td>\n"
                };
                self.out().push_str(close);
                self.table_column += 1;
            }
            TagEnd::Emphasis => self.out().push_str("</em>"),
            TagEnd::Strong => self.out().push_str("</strong>"),
            TagEnd::Strikethrough => self.out().push_str("</del>"),
            TagEnd::Superscript => self.out().push_str("</sup>"),
            TagEnd::Subscript => self.out().push_str("</sub>"),
            TagEnd::Link | TagEnd::Image => {
                self.in_link = self.in_link.saturating_sub(1);
                self.out().push_str("</a>");
            }
            TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => {}
        }
    }

    fn cell_start(&mut self) {
        let name = if self.in_table_head { "th" } else { "td" };
        let align = match self.table_alignments.get(self.table_column) {
            Some(Alignment::Left) => " align=\"left\"",
            Some(Alignment::Center) => " align=\"center\"",
            Some(Alignment::Right) => " align=\"right\"",
            Some(Alignment::None) | None => "",
        };
        let open = format!("<{name}{align}>");
        self.out().push_str(&open);
    }

    fn link_start(&mut self, url: &str, title: &str) {
        self.in_link += 1;
        let mut open = format!("<a href=\"{}\"", escape(url));
        if !title.is_empty() {
            open.push_str(&format!(" title=\"{}\"", escape(title)));
        }
        open.push('>');
        self.out().push_str(&open);
    }

    fn text(&mut self, text: &str) {
        if self.in_link > 0 || self.in_code_block {
            let html = escape(text);
            self.out().push_str(&html);
        } else {
            self.pending.push_str(text);
        }
    }
}

/// Escaped text with bare URLs, `www.` hosts, `r/sub` and `u/name` made into links.
fn autolink(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((start, len, href)) = next_autolink(rest) {
        out.push_str(&escape(&rest[..start]));
        let shown = &rest[start..start + len];
        out.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            escape(&href),
            escape(shown)
        ));
        rest = &rest[start + len..];
    }
    out.push_str(&escape(rest));
    out
}

/// The first autolink in `text`: (byte offset, byte length, href).
fn next_autolink(text: &str) -> Option<(usize, usize, String)> {
    let bytes = text.as_bytes();
    for (i, _) in text.char_indices() {
        // A link starts at a word boundary only.
        let prev = i.checked_sub(1).map(|p| bytes[p]);
        if prev.is_some_and(|p| p.is_ascii_alphanumeric()) {
            continue;
        }
        let here = &text[i..];
        if let Some(len) = url_at(here) {
            let shown = &here[..len];
            let href = if shown.starts_with("www.") {
                format!("http://{shown}")
            } else {
                shown.to_owned()
            };
            return Some((i, len, href));
        }
        if prev != Some(b'/')
            && let Some((len, href)) = community_at(here)
        {
            return Some((i, len, href));
        }
    }
    None
}

/// Length of a URL starting here (`https://…`, `http://…`, `ftp://…`, `www.…`), with
/// trailing punctuation and unbalanced closing parentheses left out, as snudown does.
fn url_at(s: &str) -> Option<usize> {
    const STARTS: [&str; 4] = ["https://", "http://", "ftp://", "www."];
    let prefix = STARTS.iter().find(|p| {
        s.len() > p.len() && s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))
    })?;
    let mut end = s
        .find(|c: char| c.is_whitespace() || c == '<')
        .unwrap_or(s.len());
    loop {
        let candidate = &s[..end];
        let trimmed = candidate.trim_end_matches(['.', ',', ':', ';', '!', '?', '"', '\'']);
        let opens = trimmed.matches('(').count();
        let closes = trimmed.matches(')').count();
        let trimmed = if trimmed.ends_with(')') && closes > opens {
            &trimmed[..trimmed.len() - 1]
        } else {
            trimmed
        };
        if trimmed.len() == end {
            break;
        }
        end = trimmed.len();
    }
    (end > prefix.len()).then_some(end)
}

/// `r/sub`, `/r/sub`, `u/name`, `/u/name` starting here: (length, href).
fn community_at(s: &str) -> Option<(usize, String)> {
    let slash = usize::from(s.starts_with('/'));
    let kind = s.get(slash..slash + 2)?;
    let user = match kind {
        "r/" => false,
        "u/" => true,
        _ => return None,
    };
    let name_start = slash + 2;
    let name = &s[name_start..];
    let len = if !user && name.starts_with("reddit.com") {
        "reddit.com".len()
    } else {
        name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || (user && c == '-')))
            .unwrap_or(name.len())
    };
    if len == 0 {
        return None;
    }
    let end = name_start + len;
    Some((end, format!("/{}{}", &kind, &name[..len])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_quotes_and_entities() {
        assert_eq!(
            render("I'll be\n\n> quoted"),
            "<p>I&#39;ll be</p>\n\n<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        );
    }

    #[test]
    fn autolinks_urls_and_communities() {
        assert_eq!(
            render("see /r/pics, u/some-one and https://x.y/a_(b)."),
            "<p>see <a href=\"/r/pics\">/r/pics</a>, <a href=\"/u/some-one\">u/some-one</a> and \
             <a href=\"https://x.y/a_(b)\">https://x.y/a_(b)</a>.</p>\n"
        );
        assert_eq!(render("no/r/link"), "<p>no/r/link</p>\n");
    }

    #[test]
    fn loose_and_tight_lists() {
        assert_eq!(render("* a\n* b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
        assert_eq!(
            render("* a\n\n* b"),
            "<ul>\n<li><p>a</p></li>\n<li><p>b</p></li>\n</ul>\n"
        );
    }

    #[test]
    fn raw_html_is_text() {
        assert_eq!(render("<b>x</b> <3"), "<p>&lt;b&gt;x&lt;/b&gt; &lt;3</p>\n");
    }
}
