//! What an appellant reads, in their subreddit's language: the form, its messages, the
//! status page and a link's error pages; pages that name no subreddit follow the browser.

use appealmod_shared::domain::{AnswerValue, FormQuestion, FormQuestions, Language, QuestionKind};
use appealmod_shared::storage::{Backend, SubredditSettings};
use chrono::{Duration, Utc};

use crate::helpers::{TestApp, complete_answers, csrf_of, spawn_app, spawn_with, sub};
use crate::on_both_backends;

on_both_backends!(
    a_german_subreddit_gets_the_whole_form_in_german,
    a_page_that_names_no_appeal_follows_the_browser,
    a_link_page_speaks_its_subreddits_language_not_the_browsers,
    the_moderators_own_questions_stay_as_written,
    too_many_posts_are_refused_in_the_browsers_language,
);

/// r/pics addressed in `language`, with `questions` if given.
async fn speak(app: &TestApp, language: Language, questions: Option<FormQuestions>) {
    let mut settings = app
        .db
        .store
        .subreddit(&sub("pics"))
        .await
        .expect("read")
        .unwrap_or_else(|| SubredditSettings::new(sub("pics")));
    settings.language = Some(language);
    settings.form_questions = questions;
    app.db
        .store
        .save_subreddit(&settings, Utc::now())
        .await
        .expect("save");
}

async fn get_in(app: &TestApp, path: &str, accept: &str) -> (u16, String) {
    let r = app
        .client
        .get(app.url(path))
        .header("Accept-Language", accept)
        .send()
        .await
        .expect("GET");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// The default form answered in German, as a browser sends the options it showed.
fn german_answers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("q_appeal_reason", "Ich bereue, was ich getan habe"),
        ("q_rule", "Sei höflich."),
        ("q_actions_wrong", "yes"),
        ("q_pledge", "yes"),
        ("q_steps", "Ich mache eine Pause, bevor ich antworte."),
        (
            "q_examples",
            "Kann ein Mod erklären, warum mein Beitrag entfernt wurde?",
        ),
    ]
}

async fn a_german_subreddit_gets_the_whole_form_in_german(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, path) = app.create_appeal("bob", "note").await;
    speak(&app, Language::German, None).await;

    let (status, body) = app.get_text(&path).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<html lang=\"de\">"), "{body}");
    for text in [
        "Einspruch gegen deinen Bann in r/pics",
        "Hallo u/bob. Das dauert 2–3 Minuten;",
        "Dauerhaft gebannt seit",
        "Warum legst du Einspruch ein?",
        "Ich bereue, was ich getan habe",
        "Bis zu 2.000 Zeichen.",
        "Einspruch abschicken",
        "Zum Inhalt springen",
    ] {
        assert!(body.contains(text), "{text}: {body}");
    }
    assert!(!body.contains("Why are you appealing?"), "{body}");
    assert!(!body.contains("Submit my appeal"), "{body}");

    // A wrong answer is explained in German, beside the question and in the summary.
    let mut wrong = german_answers();
    wrong.retain(|(k, _)| *k != "q_rule");
    wrong.push(("q_steps", "x"));
    let (status, body) = app.submit(&path, &wrong).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Bitte beantworte diese Frage."), "{body}");
    assert!(
        body.contains("Eine Antwort braucht deine Aufmerksamkeit"),
        "{body}"
    );
    assert!(
        body.contains("<title>Fehler: Dein Einspruch bei r/pics"),
        "{body}"
    );

    let (status, body) = app.submit(&path, &german_answers()).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("Danke, dein Einspruch ist eingegangen"),
        "{body}"
    );
    assert!(body.contains("Wo dein Einspruch steht"), "{body}");
    let form = app
        .db
        .store
        .form_answers(id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(form.answers[0].label, "Warum legst du Einspruch ein?");
    assert_eq!(
        form.answers[0].value,
        AnswerValue::Choice {
            option: "Ich bereue, was ich getan habe".into(),
            text: None
        },
        "stored as the appellant read it"
    );
    let (_, again) = app.get_text(&path).await;
    assert!(again.contains("Dein Einspruch ist eingegangen"), "{again}");
}

async fn a_page_that_names_no_appeal_follows_the_browser(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = get_in(&app, "/appeal/not-a-token", "fr-CH, fr;q=0.9, en;q=0.8").await;
    assert_eq!(status, 404);
    assert!(body.contains("<html lang=\"fr\">"), "{body}");
    assert!(body.contains("Ce lien n’est pas valide"), "{body}");
    let (status, body) = get_in(&app, "/no-such-page", "es").await;
    assert_eq!(status, 404);
    assert!(body.contains("Página no encontrada"), "{body}");
    assert!(body.contains("Moderadores: ir a la consola"), "{body}");
    let (_, body) = get_in(&app, "/no-such-page", "ja, zh;q=0.5").await;
    assert!(
        body.contains("Page not found") && body.contains("lang=\"en\""),
        "{body}"
    );
    let (_, body) = app.get_text("/appeal/not-a-token").await;
    assert!(body.contains("This link is not valid"), "{body}");
}

async fn a_link_page_speaks_its_subreddits_language_not_the_browsers(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, path) = app
        .create_appeal_expiring("bob", "note", Utc::now() - Duration::hours(1))
        .await;
    speak(&app, Language::PortugueseBrazil, None).await;
    let (status, body) = get_in(&app, &path, "de").await;
    assert_eq!(status, 410, "{body}");
    assert!(body.contains("<html lang=\"pt-BR\">"), "{body}");
    assert!(body.contains("Este link expirou"), "{body}");
    assert!(
        body.contains(">sua conversa de modmail com r/pics</a>"),
        "the link sits inside the sentence: {body}"
    );
}

async fn the_moderators_own_questions_stay_as_written(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, path) = app.create_appeal("bob", "note").await;
    let own = FormQuestions(vec![FormQuestion {
        id: "why".into(),
        label: "Pourquoi devrions-nous lever le bannissement ?".into(),
        help: None,
        kind: QuestionKind::Text { max_len: 20 },
        required: true,
        show_ban_note: true,
    }]);
    speak(&app, Language::French, Some(own)).await;
    let (_, page) = app.get_text(&path).await;
    assert!(
        page.contains("Pourquoi devrions-nous lever le bannissement ?"),
        "{page}"
    );
    assert!(page.contains("Jusqu’à 20 caractères."), "{page}");
    let csrf = csrf_of(&page);
    let long = "x".repeat(2001);
    let (status, body) = app
        .post_form(&path, &[("csrf", csrf.as_str()), ("q_why", long.as_str())])
        .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("Veuillez raccourcir votre réponse à 20 caractères au plus (elle en compte 2\u{202F}001)."),
        "{body}"
    );
}

/// The rate limit answers before any appeal is known: in the browser's language, with its
/// `Retry-After` kept.
async fn too_many_posts_are_refused_in_the_browsers_language(backend: Backend) {
    let app = spawn_with(backend, |s| s.post_rate_per_minute = 1).await;
    let (_, path) = app.create_appeal("bob", "note").await;
    let post = || {
        app.client
            .post(app.url(&path))
            .header("Accept-Language", "de-AT, en;q=0.5")
            .form(&complete_answers())
            .send()
    };
    let first = post().await.expect("post");
    assert_eq!(first.status().as_u16(), 403, "within the limit");
    assert!(
        first
            .text()
            .await
            .expect("body")
            .contains("Dieses Formular konnte nicht überprüft werden")
    );
    let r = post().await.expect("post");
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "60");
    let body = r.text().await.expect("body");
    assert!(body.contains("<html lang=\"de\">"), "{body}");
    assert!(body.contains("Zu viele Versuche"), "{body}");
}
