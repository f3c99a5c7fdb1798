# What appellants read, in English (the reference: every other file has the same messages
# with the same variables). Messages whose names start with `bot-` and `decision-` become
# templates: their variables are filled with `{username}`-style placeholders, which the
# console shows and the bot fills when it sends.

## Shared pieces

form-duration = 2–3 minutes
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
date = { $day } { $month } { $year }
date-time = { $date }, { $time } UTC
link-expiry = { $date } (UTC)

## The bot's messages in modmail (templates)

bot-initial =
    Hi u/{ $username }. This is an automated message on behalf of the moderators of r/{ $subreddit }.

    To appeal your ban, please fill in this short form (it takes { form-duration }): { $link }

    The link is personal, so please don't share it; it works until { $expires }. The moderators see your appeal once the form is submitted, and they decide whether and when to answer.
bot-reminder =
    Hi u/{ $username }. This is an automated reminder on behalf of the moderators of r/{ $subreddit }: your appeal is not complete yet, so the moderators have not seen it.

    Please fill in the form ({ form-duration }): { $link }

    The link works until { $expires }.
bot-final =
    Thank you, u/{ $username }. This is an automated message on behalf of the moderators of r/{ $subreddit }: your appeal has been received and passed on to them.

    The moderators review appeals as they can; if they answer, it will be in this conversation. You can see where your appeal stands here: { $link }

## The moderators' decisions, as the bot sends them (templates)

decision-grant = Hi u/{ $username }. The moderators of r/{ $subreddit } have reviewed your appeal and lifted your ban. Welcome back, and please keep to the rules.
decision-deny-default = Hi u/{ $username }. The moderators of r/{ $subreddit } have reviewed your appeal and decided to keep your ban.
decision-deny-rules = Hi u/{ $username }. The moderators of r/{ $subreddit } have reviewed your appeal and decided to keep your ban: the rule it was for ({ $reason }) matters to this community, and the appeal did not show it will be kept.
decision-deny-too-soon = Hi u/{ $username }. The moderators of r/{ $subreddit } have reviewed your appeal and decided to keep your ban for now. You may appeal again later.
decision-reduce = Hi u/{ $username }. The moderators of r/{ $subreddit } have reviewed your appeal: your ban is now temporary and ends in { $days } days.
decision-reason-not-stated = not stated

## The default appeal form

question-appeal-reason = Why are you appealing?
question-appeal-reason-disagree = I disagree with the rule
question-appeal-reason-not-fit = The rule does not fit what I did
question-appeal-reason-regret = I regret what I did
question-appeal-reason-mistake = I was banned by mistake
question-appeal-reason-other = Other
question-rule = Which rule is your ban about? Say it in your own words.
question-actions-wrong = Were your actions wrong?
question-pledge = Do you pledge not to repeat them?
question-steps = What will you do so that it does not happen again?
question-examples = Which of these comments should be allowed here?
question-examples-help = Tick every one that should be.
example-comment-1 = I think you're wrong, and here is a source that says otherwise.
example-comment-2 = This is the dumbest take I have read all week.
example-comment-3 = People like you shouldn't be allowed to post here.
example-comment-4 = Can a mod explain why my post was removed?
example-comment-5 = Nobody asked for your opinion, go away.

## Every appellant's page

page-skip = Skip to content
page-footer = AppealMod is not affiliated with Reddit.
page-error-prefix = Error:

## The appeal form's page

form-title = Your appeal to r/{ $subreddit }
form-title-errors = Error: Your appeal to r/{ $subreddit }
form-heading = Appeal your ban from r/{ $subreddit }
form-intro = Hi u/{ $username }. This takes { form-duration }; the moderators see your answers once you send them.
form-ban-permanent = Permanent ban
form-ban-temporary = Temporary ban
form-ban-permanent-since = Permanent ban since { $date }
form-ban-temporary-since = Temporary ban since { $date }
form-unsaved-title = Not sent yet
form-unsaved = Your appeal was not sent: the site cannot reach its database just now. Your answers are still in this form. Please submit it again in a minute.
form-errors =
    { $count ->
        [one] One answer needs your attention
       *[other] { $count } answers need your attention
    }
form-ban-reason = The reason in your ban message
form-no-reason = The moderators did not state a reason for your ban.
form-optional = (optional)
form-limit = Up to { $limit } characters.
form-explain-other = Please explain
form-yes = Yes
form-no = No
form-submit = Submit my appeal
form-once = You can send this form once. The link is personal: please don't share it.
form-error-answer = Please answer this question.
form-error-too-long = Please shorten your answer to at most { $max } characters (it has { $length }).
form-error-choose-one = Please choose one option.
form-error-choose-shown = Please choose one of the options shown.
form-error-explain-other = Please explain your choice of “{ $option }” in this box.
form-error-yes-no = Please choose yes or no.
form-error-only-shown = Please choose only from the options shown.
form-error-at-least-one = Please choose at least one option.

## A form the database could not take, from a process that did not show it

unsaved-title = Not sent yet: your appeal
unsaved-eyebrow = Ban appeal
unsaved-heading = Your appeal was not sent yet
unsaved-answer = Your answer ({ $name })
unsaved-personal = This link is personal: please don't share it.

## Where a submitted appeal stands

status-eyebrow = Ban appeal · r/{ $subreddit }
status-where = Where your appeal stands
status-done = Done:
status-now = Now:
status-next = Next:
status-on = on
status-conversation = Your modmail conversation with r/{ $subreddit }
status-back = Back to r/{ $subreddit }
status-come-back = You can come back to this page with the same link at any time. The link is personal: please don't share it.
status-lifted = You are no longer banned
status-lifted-lead = Your ban from r/{ $subreddit } has ended.
status-granted-lead = The moderators of r/{ $subreddit } lifted your ban.
status-with-moderators = Your appeal is with the moderators
status-with-moderators-lead = The moderators of r/{ $subreddit } have your answers.
status-thanks = Thank you, your appeal was received
status-received = Your appeal was received
status-received-lead = Your answers are on their way to the moderators of r/{ $subreddit }.
status-kept = The moderators decided
status-kept-lead = The moderators of r/{ $subreddit } reviewed your appeal and kept your ban.
status-reduced = Your ban is now temporary
status-reduced-lead = The moderators of r/{ $subreddit } made your ban temporary.
step-received = Appeal received
step-received-text = Your answers were saved. The form can be sent only once.
step-passed = Passed to the moderators
step-passed-text = The moderators of r/{ $subreddit } have your answers; the bot tells you so in your modmail conversation too.
step-passing-text = The bot passes your answers on to the moderators and confirms it in your modmail conversation, usually within a few minutes.
step-decision = The moderators' decision
step-decision-text = The moderators of r/{ $subreddit } review your appeal when they can and decide whether to lift your ban; the bot decides nothing. If the moderators answer you, it will be in your modmail conversation.
step-lifted = Ban lifted
step-lifted-text = You are no longer banned from r/{ $subreddit }.
step-kept = Ban kept
step-kept-text = The moderators have told you so in your modmail conversation.
step-shortened = Ban shortened
step-shortened-text =
    { $days ->
        [one] Your ban ends one day after this date.
       *[other] Your ban ends { $days } days after this date.
    }

## A link that no longer opens the form

link-conversation = your modmail conversation with r/{ $subreddit }
link-expired = This link has expired
link-expired-text = Write again in { $conversation } and the bot will answer with a new link to the form.
link-expired-handed-over-text = The form is closed, but what you write now in { $conversation } goes straight to its moderators.
link-replaced = This link was replaced
link-replaced-text = Please use the newest link the bot sent you in { $conversation }.
link-invalid = This link is not valid
link-invalid-text = Please copy the whole link from the bot's message in your modmail conversation, or write to the subreddit's moderators there for a new one.

## Failures anyone may meet

error-not-found = Page not found
error-not-found-text = There is no page at this address.
error-not-found-hint = If you came here from a link in a modmail message, check that you copied the whole link.
error-expired = This page has expired
error-expired-text = The form was open for too long to be accepted safely.
error-reload-hint = Go back, reload the page, and submit it again.
error-unverified = This form could not be verified
error-unverified-text = We could not confirm that this form was sent from this site, so it was not accepted.
error-too-large = That was too much text
error-too-large-text = The form you sent is larger than we accept.
error-too-large-hint = Go back, shorten your answers, and submit again.
error-bad-body = The form could not be read
error-bad-body-text = What was sent is not a form this site understands.
error-body-timeout = The form took too long to arrive
error-body-timeout-text = Your answers did not reach us in time, so nothing was saved.
error-body-timeout-hint = Check your connection, go back, and submit again.
error-rate-limited = Too many attempts
error-rate-limited-text = You have sent many forms in a short time.
error-rate-limited-hint = Please wait a minute and try again.
error-unavailable = Please try again in a minute
error-unavailable-text = The site cannot reach its database just now, so it cannot show or save anything. Nothing you did caused it.
error-unavailable-hint = Wait a minute, then reload the page.
error-unexpected = Something went wrong
error-unexpected-text = We could not complete your request because of a problem on our side. Nothing you did caused it.
error-unexpected-hint = Please try again in a few minutes.
error-to-console = Moderators: go to the console
