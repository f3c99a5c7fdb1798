//! The personal appeal form (and, in `languages`, the same in each shipped language).

mod languages;

use appealmod_shared::domain::{AnswerValue, FormQuestion, FormQuestions, QuestionKind};
use appealmod_shared::domain::{AppealId, AppealStatus};
use appealmod_shared::storage::{Backend, SubredditSettings};
use chrono::{Duration, Utc};

use crate::helpers::{complete_answers, csrf_of, spawn_app, sub};
use crate::on_both_backends;

on_both_backends!(
    valid_link_shows_the_form_and_marks_it_opened,
    tampered_link_is_404,
    expired_link_is_410,
    unknown_appeal_is_404,
    submitted_form_is_stored_and_explains_next_steps,
    submitted_form_shows_already_received,
    invalid_answers_show_messages_and_keep_values,
    concurrent_double_submit_accepts_exactly_one,
    subreddit_questions_are_used,
);

async fn valid_link_shows_the_form_and_marks_it_opened(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, path) = app.create_appeal("bob", "Rule 2: no insults.").await;
    let (status, body) = app.get_text(&path).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("r/pics"));
    assert!(body.contains("u/bob"));
    assert!(
        body.contains("Rule 1: be civil"),
        "shows the ban message's reason"
    );
    assert!(
        !body.contains("Rule 2: no insults."),
        "never the private ban note"
    );
    assert!(body.contains("Why are you appealing?"));
    assert!(body.contains("<fieldset"), "choice groups are fieldsets");
    assert!(body.contains("<legend>"));
    let opened = app.db.store.appeal(id).await.expect("get").expect("found");
    let first = opened.opened_at.expect("marked opened");
    app.get(&path).await;
    let again = app.db.store.appeal(id).await.expect("get").expect("found");
    assert_eq!(again.opened_at, Some(first), "only the first open counts");
}

async fn tampered_link_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, path) = app.create_appeal("bob", "note").await;
    let mut chars: Vec<char> = path.chars().collect();
    let last = chars.len() - 3;
    chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    let (status, body) = app.get_text(&tampered).await;
    assert_eq!(status, 404);
    assert!(body.contains("This link is not valid"));
    let (status, _) = app.get_text("/appeal/not-a-token").await;
    assert_eq!(status, 404);
}

async fn expired_link_is_410(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, path) = app
        .create_appeal_expiring("bob", "note", Utc::now() - Duration::minutes(1))
        .await;
    let (status, body) = app.get_text(&path).await;
    assert_eq!(status, 410);
    assert!(body.contains("This link has expired"));
    assert!(body.contains(
        "Write again in <a href=\"https://www.reddit.com/message/messages/\">your modmail \
         conversation with r/pics</a> and the bot will answer with a new link to the form."
    ));
}

async fn unknown_appeal_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    // Correctly signed, but no such appeal in the database.
    let token = app
        .signer
        .sign(AppealId(987_654), Utc::now() + Duration::days(1));
    let (status, body) = app.get_text(&format!("/appeal/{}", token.expose())).await;
    assert_eq!(status, 404);
    assert!(body.contains("This link is not valid"));
}

async fn submitted_form_is_stored_and_explains_next_steps(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, path) = app.create_appeal("bob", "note").await;
    let (status, body) = app.submit(&path, &complete_answers()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Thank you, your appeal was received"));
    assert!(body.contains("Where your appeal stands"));
    assert!(body.contains("modmail"));
    let stored = app
        .db
        .store
        .form_answers(id)
        .await
        .expect("answers")
        .expect("stored");
    assert_eq!(stored.answers.len(), 6);
    assert_eq!(
        stored.answers[1].value,
        AnswerValue::Text("Be civil to others.".into())
    );
    assert_eq!(
        stored.answers[5].value,
        AnswerValue::MultiChoice(vec![
            "I think you're wrong, and here is a source that says otherwise.".into(),
            "Can a mod explain why my post was removed?".into()
        ])
    );
    assert!(stored.opened_at.is_some(), "opening time kept for research");
    let appeal = app.db.store.appeal(id).await.expect("get").expect("found");
    assert_eq!(appeal.status, AppealStatus::Submitted);
}

async fn submitted_form_shows_already_received(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, path) = app.create_appeal("bob", "note").await;
    let (_, page) = app.get_text(&path).await;
    let csrf = csrf_of(&page);
    let mut pairs = vec![("csrf", csrf.as_str())];
    pairs.extend(complete_answers());
    assert_eq!(app.post_form(&path, &pairs).await.0, 200);
    let (status, body) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Your appeal was received</h1>"));
    assert!(!body.contains("<form"), "no form to fill again");
    let (status, body) = app.post_form(&path, &pairs).await;
    assert_eq!(status, 409);
    assert!(body.contains("<h1>Your appeal was received</h1>"));
    assert!(body.contains("The form can be sent only once."));
}

async fn invalid_answers_show_messages_and_keep_values(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, path) = app.create_appeal("bob", "note").await;
    let long = "x".repeat(2001);
    let mut answers = complete_answers();
    answers[0] = ("q_appeal_reason", "I was hacked (not an option)");
    answers[1] = ("q_rule", "");
    answers[2] = ("q_actions_wrong", "maybe");
    answers[4] = ("q_steps", long.as_str());
    let (status, body) = app.submit(&path, &answers).await;
    assert_eq!(status, 400);
    for msg in [
        "Please answer this question.",
        "Please choose one of the options shown.",
        "Please shorten your answer to at most 2,000 characters (it has 2,001).",
        "Please choose yes or no.",
        "4 answers need your attention",
    ] {
        assert!(body.contains(msg), "missing {msg:?}");
    }
    assert!(
        body.contains(&long),
        "over-long text kept so it can be shortened"
    );
    assert!(body.contains("value=\"yes\" checked"), "valid choices kept");
    assert!(body.contains("aria-invalid=\"true\" aria-describedby=\"q1-error\""));
    assert!(
        app.db
            .store
            .form_answers(id)
            .await
            .expect("answers")
            .is_none(),
        "nothing stored"
    );
}

async fn concurrent_double_submit_accepts_exactly_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, path) = app.create_appeal("bob", "note").await;
    let (_, page) = app.get_text(&path).await;
    let csrf = csrf_of(&page);
    let mut first = vec![("csrf", csrf.as_str())];
    first.extend(complete_answers());
    let mut second = first.clone();
    second[2] = ("q_rule", "The second tab.");
    let (a, b) = tokio::join!(app.post_form(&path, &first), app.post_form(&path, &second));
    let mut statuses = vec![a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "exactly one accepted");
    let accepted = if a.0 == 200 { &a.1 } else { &b.1 };
    let other = if a.0 == 200 { &b.1 } else { &a.1 };
    assert!(accepted.contains("Thank you, your appeal was received"));
    assert!(other.contains("<h1>Your appeal was received</h1>"));
    assert!(
        other.contains("<time datetime="),
        "the stored submission's date"
    );
    assert!(app.db.store.form_answers(id).await.expect("get").is_some());
}

async fn subreddit_questions_are_used(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, path) = app.create_appeal("bob", "note").await;
    let mut settings = SubredditSettings::new(sub("pics"));
    settings.form_questions = Some(FormQuestions(vec![
        FormQuestion {
            id: "why".into(),
            label: "Tell us why we should unban you".into(),
            help: None,
            kind: QuestionKind::Text { max_len: 20 },
            required: true,
            show_ban_note: true,
        },
        FormQuestion {
            id: "agree".into(),
            label: "Do you agree to the rules?".into(),
            help: None,
            kind: QuestionKind::YesNo,
            required: true,
            show_ban_note: false,
        },
    ]));
    app.db
        .store
        .save_subreddit(&settings, Utc::now())
        .await
        .expect("save");
    let (_, body) = app.get_text(&path).await;
    assert!(body.contains("Tell us why we should unban you"));
    assert!(!body.contains("Why are you appealing?"));
    let (status, _) = app
        .submit(
            &path,
            &[("q_why", "x".repeat(21).as_str()), ("q_agree", "yes")],
        )
        .await;
    assert_eq!(status, 400, "the subreddit's max length applies");
    let (status, _) = app
        .submit(&path, &[("q_why", "Sorry."), ("q_agree", "yes")])
        .await;
    assert_eq!(status, 200);
    let stored = app
        .db
        .store
        .form_answers(id)
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(stored.answers.len(), 2);
}
