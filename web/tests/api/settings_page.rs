//! The console's settings page over HTTP on both backends, as it works without script:
//! questions moved up and down by their buttons (the unsaved edits kept, nothing stored
//! until Save), previews that come back to their section, the "not saved yet" notice, the
//! form as appellants will see it (stored or as posted; CSRF and per-subreddit access as on
//! every console form), and one `h1` on every console page.

use appealmod_shared::domain::{AppealId, FormQuestions};
use appealmod_shared::storage::Backend;

use crate::console::{Console, console, console_again, form_fields, post_pairs, signed_up_pics};
use crate::helpers::sub;
use crate::on_both_backends;
use crate::queue::{appeal_of, loaded};

on_both_backends!(
    questions_move_with_their_buttons_and_keep_what_was_typed,
    previews_come_back_to_their_section_and_say_not_saved_yet,
    the_form_preview_is_the_appeal_form_for_an_example_ban,
    language_recusal_and_public_debrief_are_chosen_and_audited,
    every_console_page_has_one_h1,
);

const SETTINGS: &str = "/dashboard/r/pics/settings";
const PREVIEW: &str = "/dashboard/r/pics/settings/preview";
const UNSAVED: &str = "You have changes that are not saved yet.";

/// `fields` with `changes` applied (each replaces the field, or adds it).
fn with(fields: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f = fields.to_vec();
    for (k, v) in changes {
        f.retain(|(n, _)| n != k);
        f.push(((*k).to_owned(), (*v).to_owned()));
    }
    f
}

/// The text of each question on the settings page, in the page's order.
fn question_texts(page: &str) -> Vec<String> {
    page.match_indices("<p class=\"question-text\">")
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            rest[..rest.find("</p>").expect("end")].to_owned()
        })
        .collect()
}

async fn stored_questions(c: &Console) -> Option<FormQuestions> {
    let s = c.app.db.store.subreddit(&sub("pics")).await.expect("get");
    s.expect("row").form_questions
}

async fn questions_move_with_their_buttons_and_keep_what_was_typed(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let (status, page) = c.page(SETTINGS).await;
    assert_eq!(status, 200);
    let shipped = question_texts(&page);
    assert!(shipped.len() >= 3, "{shipped:?}");
    assert!(!page.contains("_position"), "no position numbers to type");
    assert!(
        page.contains(
            "name=\"move\" value=\"down:0\" formaction=\"/dashboard/r/pics/settings#question-1\""
        ),
        "the first question moves down and the page comes back to it"
    );
    assert!(!page.contains("value=\"up:0\""), "the first cannot move up");
    let last = shipped.len() - 1;
    assert!(
        !page.contains(&format!("value=\"down:{last}\"")),
        "nor the last down"
    );

    // Question 1 edited (not saved), then moved down: the edit goes with it.
    let fields = form_fields(&page);
    let moved = with(
        &fields,
        &[("q0_label", "Edited, not saved"), ("move", "down:0")],
    );
    let (status, body) = post_pairs(&c, SETTINGS, moved).await;
    assert_eq!(status, 200, "{body}");
    let now = question_texts(&body);
    assert_eq!(now[0], shipped[1]);
    assert_eq!(now[1], "Edited, not saved");
    assert_eq!(now[2..], shipped[2..]);
    assert!(
        body.contains(&format!(">{UNSAVED}<")),
        "the bar says it is not saved"
    );
    assert_eq!(stored_questions(&c).await, None, "a move saves nothing");

    // Back up again from the page just shown, then saved in that order.
    let fields = form_fields(&body);
    let up = with(&fields, &[("move", "up:1")]);
    let (_, body) = post_pairs(&c, SETTINGS, up).await;
    assert_eq!(question_texts(&body)[0], "Edited, not saved");
    let fields = form_fields(&body);
    let down = with(&fields, &[("move", "down:0")]);
    let (_, body) = post_pairs(&c, SETTINGS, down).await;
    let save = with(&form_fields(&body), &[("action", "save")]);
    let (status, body) = post_pairs(&c, SETTINGS, save).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Saved (1 change)"), "{body}");
    assert!(!body.contains(&format!(">{UNSAVED}<")), "saved");
    let qs = stored_questions(&c).await.expect("stored");
    let shipped_ids: Vec<String> = FormQuestions::default()
        .0
        .into_iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(qs.0[0].id, shipped_ids[1]);
    assert_eq!(
        (qs.0[1].id.as_str(), qs.0[1].label.as_str()),
        (shipped_ids[0].as_str(), "Edited, not saved"),
        "the question keeps its id"
    );
}

async fn previews_come_back_to_their_section_and_say_not_saved_yet(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let r = c.get(SETTINGS).await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let page = r.text().await.expect("body");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("form-action 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    for section in ["messages", "decision-messages"] {
        assert!(
            page.contains(&format!(
                "value=\"preview\" formaction=\"/dashboard/r/pics/settings#{section}\""
            )),
            "{section}"
        );
        assert!(
            page.contains(&format!("<a href=\"#{section}\">")),
            "the contents list it"
        );
        assert!(
            page.contains(&format!("<section id=\"{section}\"")),
            "{section}"
        );
    }
    assert!(
        page.contains("id=\"unsaved-notice\" role=\"status\" data-text=\"You have changes"),
        "{page}"
    );
    assert!(
        !page.contains(&format!(">{UNSAVED}<")),
        "nothing to save yet"
    );
    let script = page
        .split("<script src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page's script")
        .to_owned();
    assert!(script.starts_with("/static/settings.js?v="), "{script}");
    let js = c.get(&script).await;
    assert_eq!(js.status().as_u16(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/javascript")
    );
    assert!(js.text().await.expect("js").contains("unsaved-notice"));

    // A preview of a changed message: shown, said to be unsaved, not stored.
    let changed = with(
        &form_fields(&page),
        &[
            ("reminder", "Still time: {link} (**soon**)"),
            ("action", "preview"),
        ],
    );
    let (status, body) = post_pairs(&c, SETTINGS, changed).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<strong>soon</strong>"), "previewed");
    assert!(body.contains(&format!(">{UNSAVED}<")), "not saved yet");
    let s = c.app.db.store.subreddit(&sub("pics")).await.expect("get");
    assert_eq!(s.expect("row").messages, None, "a preview saves nothing");
    // An unchanged preview has nothing unsaved.
    let same = with(&form_fields(&page), &[("action", "preview")]);
    let (_, body) = post_pairs(&c, SETTINGS, same).await;
    assert!(!body.contains(&format!(">{UNSAVED}<")), "{body}");
}

async fn the_form_preview_is_the_appeal_form_for_an_example_ban(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let r = c.get(PREVIEW).await;
    assert_eq!(r.status().as_u16(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.contains("form-action 'none'") && csp.contains("script-src 'none'"),
        "{csp}"
    );
    let body = r.text().await.expect("body");
    assert!(
        body.contains("Appeal your ban from r/pics"),
        "the appeal form's page"
    );
    assert!(body.contains("Hi u/example_user"), "{body}");
    assert!(
        body.contains("Nothing can be sent from here"),
        "says it is a preview"
    );
    assert!(
        body.contains("Rule 2: be civil"),
        "the example ban's reason is quoted"
    );
    for q in FormQuestions::default().0 {
        assert!(body.contains(&q.label), "{}", q.label);
    }

    // As posted from the settings page: a new question, moved up, unsaved.
    let (_, page) = c.page(SETTINGS).await;
    let fields = form_fields(&page);
    let slot = question_texts(&page).len();
    let posted = with(
        &fields,
        &[
            (&format!("q{slot}_label"), "Which community rule applies?"),
            (&format!("q{slot}_kind"), "choice"),
            (&format!("q{slot}_options"), "Rule 1\nRule 2"),
            (
                "q0_label",
                "Why do you think you were banned, in a few words?",
            ),
        ],
    );
    let (status, body) = post_pairs(&c, PREVIEW, posted.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Why do you think you were banned, in a few words?"));
    let new = body
        .find("Which community rule applies?")
        .expect("new question");
    assert!(body[new..].contains("Rule 2</span>"), "its options: {body}");
    assert_eq!(
        stored_questions(&c).await,
        None,
        "the preview saves nothing"
    );

    // A question that cannot be asked: the settings page with the problem named.
    let bad = with(&posted, &[(&format!("q{slot}_options"), "Only one")]);
    let (status, body) = post_pairs(&c, PREVIEW, bad).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains(&format!("href=\"#q{slot}_options\"")),
        "{body}"
    );
    assert!(body.contains(&format!(">{UNSAVED}<")));

    // The console's CSRF and access hold here as on every console form.
    let forged = with(&posted, &[("csrf", "forged")]);
    let (status, _) = post_pairs(&c, PREVIEW, forged).await;
    assert_eq!(status, 403);
    let o = console_again(&c).await;
    o.login("other_mod", "/dashboard").await;
    assert_eq!(o.page(PREVIEW).await.0, 404);
    let (status, _) = post_pairs(&o, PREVIEW, posted).await;
    assert_eq!(status, 404, "another subreddit's moderator");
}

async fn every_console_page_has_one_h1(backend: Backend) {
    let (c, _) = loaded(backend).await;
    let store = &c.app.db.store;
    let AppealId(id) = appeal_of(store, "pics", "a15").await;
    for path in [
        "/dashboard".to_owned(),
        "/dashboard/r/pics".to_owned(),
        format!("/dashboard/r/pics/appeals/{id}"),
        SETTINGS.to_owned(),
        "/dashboard/r/pics/results".to_owned(),
        "/dashboard/live".to_owned(),
        "/dashboard/r/pics?sort=nonsense".to_owned(),
    ] {
        let (_, page) = c.page(&path).await;
        assert_eq!(page.matches("<h1").count(), 1, "{path}: {page}");
    }
}

async fn language_recusal_and_public_debrief_are_chosen_and_audited(backend: Backend) {
    let c = console(backend).await;
    signed_up_pics(&c).await;
    let (_, page) = c.page(SETTINGS).await;
    for l in appealmod_core::domain::Language::ALL {
        assert!(
            page.contains(&format!(
                "<option value=\"{}\" lang=\"{}\"",
                l.code(),
                l.code()
            )) && page.contains(&format!(">{}</option>", l.native_name())),
            "{l:?} offered by its own name"
        );
    }
    assert!(page.contains("<option value=\"en\" lang=\"en\" selected>English"));
    assert!(page.contains("id=\"recusal\" name=\"recusal\""));
    assert!(page.contains("id=\"public_debrief\" name=\"public_debrief\""));
    let fields = form_fields(&page);
    assert!(
        !fields
            .iter()
            .any(|(k, _)| k == "recusal" || k == "public_debrief"),
        "both off by default"
    );

    // A language the select does not offer is refused, by name, and nothing is saved.
    let forged = with(&fields, &[("language", "xx"), ("action", "save")]);
    let (status, body) = post_pairs(&c, SETTINGS, forged).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("href=\"#language\""), "{body}");

    let chosen = with(
        &fields,
        &[
            ("language", "de"),
            ("recusal", "on"),
            ("public_debrief", "on"),
            ("action", "save"),
        ],
    );
    let (status, body) = post_pairs(&c, SETTINGS, chosen).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Saved (3 changes)"), "{body}");
    assert!(body.contains("<option value=\"de\" lang=\"de\" selected>Deutsch"));
    let s = c.app.db.store.subreddit(&sub("pics")).await.expect("get");
    let s = s.expect("row");
    assert_eq!(
        (s.language, s.recusal, s.public_debrief),
        (
            Some(appealmod_core::domain::Language::German),
            Some(true),
            Some(true)
        )
    );
    let log = c
        .app
        .db
        .store
        .audit_log(&sub("pics"), 10)
        .await
        .expect("log");
    for field in ["language", "recusal", "public_debrief"] {
        assert!(
            log.iter()
                .any(|e| e.change.field == field && e.actor == "head_mod"),
            "{field} audited: {log:?}"
        );
    }
    // The form as appellants see it follows the chosen language.
    let (_, preview) = c.page(PREVIEW).await;
    assert!(preview.contains("<html lang=\"de\""), "{preview}");
}
