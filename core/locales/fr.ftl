# What appellants read, in French ("vous"; typographic spaces before : ; ? ! and inside « »).

## Shared pieces

form-duration = 2 à 3 minutes
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre
date = { $day } { $month } { $year }
date-time = { $date } à { $time } UTC
link-expiry = { $date } (UTC)

## The bot's messages in modmail (templates)

bot-initial =
    Bonjour u/{ $username }. Ceci est un message automatique envoyé au nom des modérateurs de r/{ $subreddit }.

    Pour faire appel de votre bannissement, veuillez remplir ce court formulaire (cela prend { form-duration }) : { $link }

    Le lien est personnel, merci de ne pas le partager ; il fonctionne jusqu’au { $expires }. Les modérateurs voient votre appel une fois le formulaire envoyé, et ils décident s’ils y répondent et quand.
bot-reminder =
    Bonjour u/{ $username }. Ceci est un rappel automatique envoyé au nom des modérateurs de r/{ $subreddit } : votre appel n’est pas encore complet, les modérateurs ne l’ont donc pas vu.

    Veuillez remplir le formulaire ({ form-duration }) : { $link }

    Le lien fonctionne jusqu’au { $expires }.
bot-final =
    Merci, u/{ $username }. Ceci est un message automatique envoyé au nom des modérateurs de r/{ $subreddit } : votre appel a été reçu et leur a été transmis.

    Les modérateurs examinent les appels quand ils le peuvent ; s’ils vous répondent, ce sera dans cette conversation. Vous pouvez suivre l’état de votre appel ici : { $link }

## The moderators' decisions, as the bot sends them (templates)

decision-grant = Bonjour u/{ $username }. Les modérateurs de r/{ $subreddit } ont examiné votre appel et levé votre bannissement. Bon retour parmi nous, et merci de respecter les règles.
decision-deny-default = Bonjour u/{ $username }. Les modérateurs de r/{ $subreddit } ont examiné votre appel et décidé de maintenir votre bannissement.
decision-deny-rules = Bonjour u/{ $username }. Les modérateurs de r/{ $subreddit } ont examiné votre appel et décidé de maintenir votre bannissement : la règle en cause ({ $reason }) compte pour cette communauté, et l’appel n’a pas montré qu’elle sera respectée.
decision-deny-too-soon = Bonjour u/{ $username }. Les modérateurs de r/{ $subreddit } ont examiné votre appel et décidé de maintenir votre bannissement pour l’instant. Vous pourrez faire appel à nouveau plus tard.
decision-reduce = Bonjour u/{ $username }. Les modérateurs de r/{ $subreddit } ont examiné votre appel : votre bannissement est désormais temporaire et prend fin dans { $days } jours.
decision-reason-not-stated = non précisée

## The default appeal form

question-appeal-reason = Pourquoi faites-vous appel ?
question-appeal-reason-disagree = Je conteste la règle
question-appeal-reason-not-fit = La règle ne s’applique pas à moi
question-appeal-reason-regret = Je regrette ce que j’ai fait
question-appeal-reason-mistake = Mon bannissement est une erreur
question-appeal-reason-other = Autre
question-rule = Quelle règle est en cause ? Dites-le avec vos mots.
question-actions-wrong = Avez-vous mal agi ?
question-pledge = Vous engagez-vous à ne pas recommencer ?
question-steps = Comment éviterez-vous que cela se reproduise ?
question-examples = Quels commentaires devraient être autorisés ici ?
question-examples-help = Cochez tous ceux qui devraient l’être.
example-comment-1 = Je pense que tu as tort, et voici une source qui dit le contraire.
example-comment-2 = C’est l’avis le plus stupide que j’aie lu de la semaine.
example-comment-3 = Les gens comme toi ne devraient pas avoir le droit de poster ici.
example-comment-4 = Un modo peut-il expliquer la suppression de mon message ?
example-comment-5 = Personne ne t’a demandé ton avis, dégage.

## Every appellant's page

page-skip = Aller au contenu
page-footer = AppealMod n’est pas affilié à Reddit.
page-error-prefix = Erreur :

## The appeal form's page

form-title = Votre appel auprès de r/{ $subreddit }
form-title-errors = Erreur : votre appel auprès de r/{ $subreddit }
form-heading = Faire appel de votre bannissement de r/{ $subreddit }
form-intro = Bonjour u/{ $username }. Comptez { form-duration } ; les modérateurs voient vos réponses une fois envoyées.
form-ban-permanent = Bannissement définitif
form-ban-temporary = Bannissement temporaire
form-ban-permanent-since = Bannissement définitif du { $date }
form-ban-temporary-since = Bannissement temporaire du { $date }
form-unsaved-title = Pas encore envoyé
form-unsaved = Votre appel n’a pas été envoyé : le site ne peut pas joindre sa base de données pour le moment. Vos réponses sont toujours dans ce formulaire. Veuillez le renvoyer dans une minute.
form-errors =
    { $count ->
        [one] Une réponse demande votre attention
       *[other] { $count } réponses demandent votre attention
    }
form-ban-reason = Motif de votre bannissement
form-no-reason = Les modérateurs n’ont pas indiqué de motif pour votre bannissement.
form-optional = (facultatif)
form-limit = Jusqu’à { $limit } caractères.
form-explain-other = Veuillez préciser
form-yes = Oui
form-no = Non
form-submit = Envoyer mon appel
form-once = Ce formulaire ne s’envoie qu’une fois. Le lien est personnel : ne le partagez pas.
form-error-answer = Veuillez répondre à cette question.
form-error-too-long = Veuillez raccourcir votre réponse à { $max } caractères au plus (elle en compte { $length }).
form-error-choose-one = Veuillez choisir une option.
form-error-choose-shown = Veuillez choisir l’une des options proposées.
form-error-explain-other = Veuillez expliquer votre choix « { $option } » dans ce champ.
form-error-yes-no = Veuillez choisir oui ou non.
form-error-only-shown = Veuillez choisir uniquement parmi les options proposées.
form-error-at-least-one = Veuillez choisir au moins une option.

## A form the database could not take, from a process that did not show it

unsaved-title = Pas encore envoyé : votre appel
unsaved-eyebrow = Appel d’un bannissement
unsaved-heading = Votre appel n’a pas encore été envoyé
unsaved-answer = Votre réponse ({ $name })
unsaved-personal = Ce lien est personnel : merci de ne pas le partager.

## Where a submitted appeal stands

status-eyebrow = Appel d’un bannissement · r/{ $subreddit }
status-where = Où en est votre appel
status-done = Fait :
status-now = En cours :
status-next = À venir :
status-on = le
status-conversation = Votre conversation modmail avec r/{ $subreddit }
status-back = Retour à r/{ $subreddit }
status-come-back = Vous pouvez revenir sur cette page avec le même lien à tout moment. Le lien est personnel : merci de ne pas le partager.
status-lifted = Votre bannissement est levé
status-lifted-lead = Votre bannissement de r/{ $subreddit } a pris fin.
status-granted-lead = Les modérateurs de r/{ $subreddit } ont levé votre bannissement.
status-with-moderators = Votre appel est entre les mains des modérateurs
status-with-moderators-lead = Les modérateurs de r/{ $subreddit } ont vos réponses.
status-thanks = Merci, votre appel a bien été reçu
status-received = Votre appel a été reçu
status-received-lead = Vos réponses sont en route vers les modérateurs de r/{ $subreddit }.
status-kept = Les modérateurs ont décidé
status-kept-lead = Les modérateurs de r/{ $subreddit } ont examiné votre appel et maintenu votre bannissement.
status-reduced = Votre bannissement est désormais temporaire
status-reduced-lead = Les modérateurs de r/{ $subreddit } ont rendu votre bannissement temporaire.
step-received = Appel reçu
step-received-text = Vos réponses ont été enregistrées. Le formulaire ne peut être envoyé qu’une fois.
step-passed = Transmis aux modérateurs
step-passed-text = Les modérateurs de r/{ $subreddit } ont vos réponses ; le bot vous le confirme aussi dans votre conversation modmail.
step-passing-text = Le bot transmet vos réponses aux modérateurs et vous le confirme dans votre conversation modmail, en général en quelques minutes.
step-decision = La décision des modérateurs
step-decision-text = Les modérateurs de r/{ $subreddit } examinent votre appel quand ils le peuvent et décident de lever ou non votre bannissement ; le bot ne décide rien. Si les modérateurs vous répondent, ce sera dans votre conversation modmail.
step-lifted = Bannissement levé
step-lifted-text = Votre bannissement de r/{ $subreddit } est levé.
step-kept = Bannissement maintenu
step-kept-text = Les modérateurs vous l’ont indiqué dans votre conversation modmail.
step-shortened = Bannissement réduit
step-shortened-text =
    { $days ->
        [one] Votre bannissement prend fin un jour après cette date.
       *[other] Votre bannissement prend fin { $days } jours après cette date.
    }

## A link that no longer opens the form

link-conversation = votre conversation modmail avec r/{ $subreddit }
link-expired = Ce lien a expiré
link-expired-text = Écrivez à nouveau dans { $conversation } et le bot vous répondra avec un nouveau lien vers le formulaire.
link-expired-handed-over-text = Le formulaire est fermé, mais ce que vous écrivez maintenant dans { $conversation } va directement à ses modérateurs.
link-replaced = Ce lien a été remplacé
link-replaced-text = Veuillez utiliser le lien le plus récent que le bot vous a envoyé dans { $conversation }.
link-invalid = Ce lien n’est pas valide
link-invalid-text = Veuillez copier le lien en entier depuis le message du bot dans votre conversation modmail, ou écrivez-y aux modérateurs du subreddit pour en obtenir un nouveau.

## Failures anyone may meet

error-not-found = Page introuvable
error-not-found-text = Il n’y a aucune page à cette adresse.
error-not-found-hint = Si vous venez d’un lien dans un message modmail, vérifiez que vous avez copié le lien en entier.
error-expired = Cette page a expiré
error-expired-text = Le formulaire est resté ouvert trop longtemps pour être accepté en toute sécurité.
error-reload-hint = Revenez en arrière, rechargez la page et renvoyez le formulaire.
error-unverified = Ce formulaire n’a pas pu être vérifié
error-unverified-text = Nous n’avons pas pu confirmer que ce formulaire a été envoyé depuis ce site, il n’a donc pas été accepté.
error-too-large = C’était trop de texte
error-too-large-text = Le formulaire envoyé dépasse la taille que nous acceptons.
error-too-large-hint = Revenez en arrière, raccourcissez vos réponses et renvoyez le formulaire.
error-bad-body = Le formulaire n’a pas pu être lu
error-bad-body-text = Ce qui a été envoyé n’est pas un formulaire que ce site comprend.
error-body-timeout = Le formulaire a mis trop de temps à arriver
error-body-timeout-text = Vos réponses ne nous sont pas parvenues à temps, rien n’a donc été enregistré.
error-body-timeout-hint = Vérifiez votre connexion, revenez en arrière et renvoyez le formulaire.
error-rate-limited = Trop de tentatives
error-rate-limited-text = Vous avez envoyé beaucoup de formulaires en peu de temps.
error-rate-limited-hint = Veuillez patienter une minute, puis réessayer.
error-unavailable = Veuillez réessayer dans une minute
error-unavailable-text = Le site ne peut pas joindre sa base de données pour le moment, il ne peut donc rien afficher ni enregistrer. Vous n’y êtes pour rien.
error-unavailable-hint = Patientez une minute, puis rechargez la page.
error-unexpected = Une erreur s’est produite
error-unexpected-text = Nous n’avons pas pu traiter votre demande à cause d’un problème de notre côté. Vous n’y êtes pour rien.
error-unexpected-hint = Veuillez réessayer dans quelques minutes.
error-to-console = Modérateurs : aller à la console
