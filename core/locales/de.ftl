# What appellants read, in German (informal "du", as usual on Reddit).

## Shared pieces

form-duration = 2–3 Minuten
month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember
date = { $day }. { $month } { $year }
date-time = { $date }, { $time } UTC
link-expiry = { $date } (UTC)

## The bot's messages in modmail (templates)

bot-initial =
    Hallo u/{ $username }. Dies ist eine automatische Nachricht im Auftrag der Moderatoren von r/{ $subreddit }.

    Um gegen deinen Bann Einspruch einzulegen, fülle bitte dieses kurze Formular aus (es dauert { form-duration }): { $link }

    Der Link ist persönlich, bitte teile ihn nicht; er funktioniert bis zum { $expires }. Die Moderatoren sehen deinen Einspruch, sobald das Formular abgeschickt ist, und entscheiden selbst, ob und wann sie antworten.
bot-reminder =
    Hallo u/{ $username }. Dies ist eine automatische Erinnerung im Auftrag der Moderatoren von r/{ $subreddit }: Dein Einspruch ist noch nicht vollständig, daher haben die Moderatoren ihn noch nicht gesehen.

    Bitte fülle das Formular aus ({ form-duration }): { $link }

    Der Link funktioniert bis zum { $expires }.
bot-final =
    Danke, u/{ $username }. Dies ist eine automatische Nachricht im Auftrag der Moderatoren von r/{ $subreddit }: Dein Einspruch ist eingegangen und wurde an sie weitergeleitet.

    Die Moderatoren prüfen Einsprüche, wenn sie dazu kommen; falls sie antworten, dann in dieser Unterhaltung. Hier siehst du, wie es um deinen Einspruch steht: { $link }

## The moderators' decisions, as the bot sends them (templates)

decision-grant = Hallo u/{ $username }. Die Moderatoren von r/{ $subreddit } haben deinen Einspruch geprüft und deinen Bann aufgehoben. Willkommen zurück, und bitte halte dich an die Regeln.
decision-deny-default = Hallo u/{ $username }. Die Moderatoren von r/{ $subreddit } haben deinen Einspruch geprüft und entschieden, deinen Bann beizubehalten.
decision-deny-rules = Hallo u/{ $username }. Die Moderatoren von r/{ $subreddit } haben deinen Einspruch geprüft und entschieden, deinen Bann beizubehalten: Die Regel, um die es ging ({ $reason }), ist dieser Community wichtig, und der Einspruch hat nicht gezeigt, dass du sie einhalten wirst.
decision-deny-too-soon = Hallo u/{ $username }. Die Moderatoren von r/{ $subreddit } haben deinen Einspruch geprüft und entschieden, deinen Bann vorerst beizubehalten. Du kannst später erneut Einspruch einlegen.
decision-reduce = Hallo u/{ $username }. Die Moderatoren von r/{ $subreddit } haben deinen Einspruch geprüft: Dein Bann ist jetzt befristet und endet in { $days } Tagen.
decision-reason-not-stated = nicht angegeben

## The default appeal form

question-appeal-reason = Warum legst du Einspruch ein?
question-appeal-reason-disagree = Ich halte die Regel für falsch
question-appeal-reason-not-fit = Die Regel trifft auf mich nicht zu
question-appeal-reason-regret = Ich bereue, was ich getan habe
question-appeal-reason-mistake = Ich wurde irrtümlich gebannt
question-appeal-reason-other = Anderes
question-rule = Um welche Regel geht es? Sag es in deinen eigenen Worten.
question-actions-wrong = Hast du falsch gehandelt?
question-pledge = Versprichst du, es nicht zu wiederholen?
question-steps = Was wirst du tun, damit es nicht wieder passiert?
question-examples = Welche dieser Kommentare sollten hier erlaubt sein?
question-examples-help = Kreuze jeden an, der erlaubt sein sollte.
example-comment-1 = Ich glaube, du irrst dich: Diese Quelle sagt etwas anderes.
example-comment-2 = Das ist die dümmste Meinung, die ich diese Woche gelesen habe.
example-comment-3 = Leute wie du sollten hier nicht posten dürfen.
example-comment-4 = Kann ein Mod erklären, warum mein Beitrag entfernt wurde?
example-comment-5 = Niemand hat nach deiner Meinung gefragt, verschwinde.

## Every appellant's page

page-skip = Zum Inhalt springen
page-footer = AppealMod steht in keiner Verbindung zu Reddit.
page-error-prefix = Fehler:

## The appeal form's page

form-title = Dein Einspruch bei r/{ $subreddit }
form-title-errors = Fehler: Dein Einspruch bei r/{ $subreddit }
form-heading = Einspruch gegen deinen Bann in r/{ $subreddit }
form-intro = Hallo u/{ $username }. Das dauert { form-duration }; die Moderatoren sehen deine Antworten, sobald du sie abschickst.
form-ban-permanent = Dauerhafter Bann
form-ban-temporary = Befristeter Bann
form-ban-permanent-since = Dauerhaft gebannt seit { $date }
form-ban-temporary-since = Befristet gebannt seit { $date }
form-unsaved-title = Noch nicht abgeschickt
form-unsaved = Dein Einspruch wurde nicht abgeschickt: Die Website erreicht ihre Datenbank gerade nicht. Deine Antworten stehen noch in diesem Formular. Bitte schicke es in einer Minute noch einmal ab.
form-errors =
    { $count ->
        [one] Eine Antwort braucht deine Aufmerksamkeit
       *[other] { $count } Antworten brauchen deine Aufmerksamkeit
    }
form-ban-reason = Grund laut Bann-Nachricht
form-no-reason = Die Moderatoren haben keinen Grund für deinen Bann angegeben.
form-optional = (optional)
form-limit = Bis zu { $limit } Zeichen.
form-explain-other = Bitte erkläre
form-yes = Ja
form-no = Nein
form-submit = Einspruch abschicken
form-once = Das Formular geht nur einmal ab. Der Link ist persönlich: Bitte teile ihn nicht.
form-error-answer = Bitte beantworte diese Frage.
form-error-too-long = Bitte kürze deine Antwort auf höchstens { $max } Zeichen (sie hat { $length }).
form-error-choose-one = Bitte wähle eine Option.
form-error-choose-shown = Bitte wähle eine der angezeigten Optionen.
form-error-explain-other = Bitte erkläre deine Wahl „{ $option }“ in diesem Feld.
form-error-yes-no = Bitte wähle Ja oder Nein.
form-error-only-shown = Bitte wähle nur aus den angezeigten Optionen.
form-error-at-least-one = Bitte wähle mindestens eine Option.

## A form the database could not take, from a process that did not show it

unsaved-title = Noch nicht abgeschickt: dein Einspruch
unsaved-eyebrow = Einspruch gegen einen Bann
unsaved-heading = Dein Einspruch wurde noch nicht abgeschickt
unsaved-answer = Deine Antwort ({ $name })
unsaved-personal = Dieser Link ist persönlich: Bitte teile ihn nicht.

## Where a submitted appeal stands

status-eyebrow = Einspruch gegen einen Bann · r/{ $subreddit }
status-where = Wo dein Einspruch steht
status-done = Erledigt:
status-now = Jetzt:
status-next = Als Nächstes:
status-on = am
status-conversation = Deine Modmail-Unterhaltung mit r/{ $subreddit }
status-back = Zurück zu r/{ $subreddit }
status-come-back = Du kannst mit demselben Link jederzeit auf diese Seite zurückkehren. Der Link ist persönlich: Bitte teile ihn nicht.
status-lifted = Du bist nicht mehr gebannt
status-lifted-lead = Dein Bann in r/{ $subreddit } ist beendet.
status-granted-lead = Die Moderatoren von r/{ $subreddit } haben deinen Bann aufgehoben.
status-with-moderators = Dein Einspruch liegt bei den Moderatoren
status-with-moderators-lead = Die Moderatoren von r/{ $subreddit } haben deine Antworten.
status-thanks = Danke, dein Einspruch ist eingegangen
status-received = Dein Einspruch ist eingegangen
status-received-lead = Deine Antworten sind auf dem Weg zu den Moderatoren von r/{ $subreddit }.
status-kept = Die Moderatoren haben entschieden
status-kept-lead = Die Moderatoren von r/{ $subreddit } haben deinen Einspruch geprüft und deinen Bann beibehalten.
status-reduced = Dein Bann ist jetzt befristet
status-reduced-lead = Die Moderatoren von r/{ $subreddit } haben deinen Bann befristet.
step-received = Einspruch eingegangen
step-received-text = Deine Antworten wurden gespeichert. Das Formular kann nur einmal abgeschickt werden.
step-passed = An die Moderatoren weitergeleitet
step-passed-text = Die Moderatoren von r/{ $subreddit } haben deine Antworten; der Bot sagt es dir auch in deiner Modmail-Unterhaltung.
step-passing-text = Der Bot leitet deine Antworten an die Moderatoren weiter und bestätigt es in deiner Modmail-Unterhaltung, meist innerhalb weniger Minuten.
step-decision = Die Entscheidung der Moderatoren
step-decision-text = Die Moderatoren von r/{ $subreddit } prüfen deinen Einspruch, wenn sie dazu kommen, und entscheiden, ob sie deinen Bann aufheben; der Bot entscheidet nichts. Wenn die Moderatoren dir antworten, dann in deiner Modmail-Unterhaltung.
step-lifted = Bann aufgehoben
step-lifted-text = Du bist in r/{ $subreddit } nicht mehr gebannt.
step-kept = Bann beibehalten
step-kept-text = Die Moderatoren haben es dir in deiner Modmail-Unterhaltung mitgeteilt.
step-shortened = Bann verkürzt
step-shortened-text =
    { $days ->
        [one] Dein Bann endet einen Tag nach diesem Datum.
       *[other] Dein Bann endet { $days } Tage nach diesem Datum.
    }

## A link that no longer opens the form

link-conversation = deiner Modmail-Unterhaltung mit r/{ $subreddit }
link-expired = Dieser Link ist abgelaufen
link-expired-text = Schreib erneut in { $conversation }, und der Bot antwortet mit einem neuen Link zum Formular.
link-expired-handed-over-text = Das Formular ist geschlossen, aber was du jetzt in { $conversation } schreibst, geht direkt an die Moderatoren.
link-replaced = Dieser Link wurde ersetzt
link-replaced-text = Bitte nutze den neuesten Link, den der Bot dir in { $conversation } geschickt hat.
link-invalid = Dieser Link ist ungültig
link-invalid-text = Bitte kopiere den ganzen Link aus der Nachricht des Bots in deiner Modmail-Unterhaltung, oder schreib dort den Moderatoren des Subreddits, um einen neuen zu bekommen.

## Failures anyone may meet

error-not-found = Seite nicht gefunden
error-not-found-text = Unter dieser Adresse gibt es keine Seite.
error-not-found-hint = Wenn du über einen Link in einer Modmail-Nachricht hierhergekommen bist, prüfe, ob du den ganzen Link kopiert hast.
error-expired = Diese Seite ist abgelaufen
error-expired-text = Das Formular war zu lange geöffnet, um sicher angenommen zu werden.
error-reload-hint = Geh zurück, lade die Seite neu und schicke das Formular noch einmal ab.
error-unverified = Dieses Formular konnte nicht überprüft werden
error-unverified-text = Wir konnten nicht bestätigen, dass dieses Formular von dieser Website gesendet wurde, daher wurde es nicht angenommen.
error-too-large = Das war zu viel Text
error-too-large-text = Das gesendete Formular ist größer, als wir annehmen.
error-too-large-hint = Geh zurück, kürze deine Antworten und schicke das Formular noch einmal ab.
error-bad-body = Das Formular konnte nicht gelesen werden
error-bad-body-text = Was gesendet wurde, ist kein Formular, das diese Website versteht.
error-body-timeout = Das Formular kam zu spät an
error-body-timeout-text = Deine Antworten haben uns nicht rechtzeitig erreicht, daher wurde nichts gespeichert.
error-body-timeout-hint = Prüfe deine Verbindung, geh zurück und schicke das Formular noch einmal ab.
error-rate-limited = Zu viele Versuche
error-rate-limited-text = Du hast in kurzer Zeit viele Formulare gesendet.
error-rate-limited-hint = Bitte warte eine Minute und versuche es dann noch einmal.
error-unavailable = Bitte versuche es in einer Minute noch einmal
error-unavailable-text = Die Website erreicht ihre Datenbank gerade nicht und kann daher nichts anzeigen oder speichern. Es liegt nicht an dir.
error-unavailable-hint = Warte eine Minute und lade die Seite dann neu.
error-unexpected = Etwas ist schiefgelaufen
error-unexpected-text = Wegen eines Problems auf unserer Seite konnten wir deine Anfrage nicht abschließen. Es liegt nicht an dir.
error-unexpected-hint = Bitte versuche es in ein paar Minuten noch einmal.
error-to-console = Moderatoren: zur Konsole
