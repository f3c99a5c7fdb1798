# What appellants read, in Spanish ("tú", as usual on Reddit).

## Shared pieces

form-duration = 2–3 minutos
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
date = { $day } de { $month } de { $year }
date-time = { $date }, { $time } UTC
link-expiry = { $date } (UTC)

## The bot's messages in modmail (templates)

bot-initial =
    Hola, u/{ $username }. Este es un mensaje automático en nombre de los moderadores de r/{ $subreddit }.

    Para apelar tu baneo, rellena este breve formulario (se tarda { form-duration }): { $link }

    El enlace es personal, así que no lo compartas; funciona hasta el { $expires }. Los moderadores verán tu apelación cuando envíes el formulario, y ellos deciden si responden y cuándo.
bot-reminder =
    Hola, u/{ $username }. Este es un recordatorio automático en nombre de los moderadores de r/{ $subreddit }: tu apelación aún no está completa, así que los moderadores no la han visto.

    Rellena el formulario ({ form-duration }): { $link }

    El enlace funciona hasta el { $expires }.
bot-final =
    Gracias, u/{ $username }. Este es un mensaje automático en nombre de los moderadores de r/{ $subreddit }: hemos recibido tu apelación y se la hemos pasado.

    Los moderadores revisan las apelaciones cuando pueden; si te responden, será en esta conversación. Aquí puedes ver en qué punto está tu apelación: { $link }

## The moderators' decisions, as the bot sends them (templates)

decision-grant = Hola, u/{ $username }. Los moderadores de r/{ $subreddit } han revisado tu apelación y han levantado tu baneo. Te damos de nuevo la bienvenida; respeta las normas, por favor.
decision-deny-default = Hola, u/{ $username }. Los moderadores de r/{ $subreddit } han revisado tu apelación y han decidido mantener tu baneo.
decision-deny-rules = Hola, u/{ $username }. Los moderadores de r/{ $subreddit } han revisado tu apelación y han decidido mantener tu baneo: la norma de la que se trata ({ $reason }) es importante para esta comunidad, y la apelación no ha mostrado que vayas a respetarla.
decision-deny-too-soon = Hola, u/{ $username }. Los moderadores de r/{ $subreddit } han revisado tu apelación y han decidido mantener tu baneo por ahora. Puedes volver a apelar más adelante.
decision-reduce = Hola, u/{ $username }. Los moderadores de r/{ $subreddit } han revisado tu apelación: tu baneo ahora es temporal y termina dentro de { $days } días.
decision-reason-not-stated = no indicada

## The default appeal form

question-appeal-reason = ¿Por qué apelas?
question-appeal-reason-disagree = No estoy de acuerdo con la norma
question-appeal-reason-not-fit = La norma no se aplica a mi caso
question-appeal-reason-regret = Me arrepiento de lo que hice
question-appeal-reason-mistake = Mi baneo es un error
question-appeal-reason-other = Otro
question-rule = ¿De qué norma trata tu baneo? Dilo con tus propias palabras.
question-actions-wrong = ¿Estuvo mal lo que hiciste?
question-pledge = ¿Te comprometes a no repetirlo?
question-steps = ¿Qué harás para que no vuelva a pasar?
question-examples = ¿Cuáles de estos comentarios deberían permitirse aquí?
question-examples-help = Marca todos los que deberían permitirse.
example-comment-1 = Creo que te equivocas: esta fuente dice lo contrario.
example-comment-2 = Es la opinión más tonta que he leído en toda la semana.
example-comment-3 = La gente como tú no debería poder publicar aquí.
example-comment-4 = ¿Puede un moderador explicar por qué se eliminó mi publicación?
example-comment-5 = Nadie te ha pedido tu opinión, lárgate.

## Every appellant's page

page-skip = Saltar al contenido
page-footer = AppealMod no está afiliado a Reddit.
page-error-prefix = Error:

## The appeal form's page

form-title = Tu apelación a r/{ $subreddit }
form-title-errors = Error: tu apelación a r/{ $subreddit }
form-heading = Apela tu baneo de r/{ $subreddit }
form-intro = Hola, u/{ $username }. Se tarda { form-duration }; los moderadores verán tus respuestas en cuanto las envíes.
form-ban-permanent = Baneo permanente
form-ban-temporary = Baneo temporal
form-ban-permanent-since = Baneo permanente desde el { $date }
form-ban-temporary-since = Baneo temporal desde el { $date }
form-unsaved-title = Aún no enviada
form-unsaved = Tu apelación no se ha enviado: el sitio no puede acceder a su base de datos en este momento. Tus respuestas siguen en este formulario. Vuelve a enviarlo dentro de un minuto.
form-errors =
    { $count ->
        [one] Una respuesta necesita tu atención
       *[other] { $count } respuestas necesitan tu atención
    }
form-ban-reason = Motivo de tu baneo
form-no-reason = Los moderadores no indicaron un motivo para tu baneo.
form-optional = (opcional)
form-limit = Hasta { $limit } caracteres.
form-explain-other = Explícalo, por favor
form-yes = Sí
form-no = No
form-submit = Enviar mi apelación
form-once = El formulario solo se envía una vez. El enlace es personal: no lo compartas.
form-error-answer = Responde a esta pregunta, por favor.
form-error-too-long = Acorta tu respuesta a { $max } caracteres como máximo (tiene { $length }).
form-error-choose-one = Elige una opción, por favor.
form-error-choose-shown = Elige una de las opciones mostradas.
form-error-explain-other = Explica en este cuadro por qué elegiste «{ $option }».
form-error-yes-no = Elige sí o no.
form-error-only-shown = Elige solo entre las opciones mostradas.
form-error-at-least-one = Elige al menos una opción.

## A form the database could not take, from a process that did not show it

unsaved-title = Aún no enviada: tu apelación
unsaved-eyebrow = Apelación de baneo
unsaved-heading = Tu apelación aún no se ha enviado
unsaved-answer = Tu respuesta ({ $name })
unsaved-personal = Este enlace es personal: no lo compartas.

## Where a submitted appeal stands

status-eyebrow = Apelación de baneo · r/{ $subreddit }
status-where = En qué punto está tu apelación
status-done = Hecho:
status-now = Ahora:
status-next = Después:
status-on = el
status-conversation = Tu conversación de modmail con r/{ $subreddit }
status-back = Volver a r/{ $subreddit }
status-come-back = Puedes volver a esta página con el mismo enlace en cualquier momento. El enlace es personal: no lo compartas.
status-lifted = Tu baneo se ha levantado
status-lifted-lead = Tu baneo de r/{ $subreddit } ha terminado.
status-granted-lead = Los moderadores de r/{ $subreddit } han levantado tu baneo.
status-with-moderators = Tu apelación está en manos de los moderadores
status-with-moderators-lead = Los moderadores de r/{ $subreddit } tienen tus respuestas.
status-thanks = Gracias, hemos recibido tu apelación
status-received = Hemos recibido tu apelación
status-received-lead = Tus respuestas van de camino a los moderadores de r/{ $subreddit }.
status-kept = Los moderadores han decidido
status-kept-lead = Los moderadores de r/{ $subreddit } han revisado tu apelación y han mantenido tu baneo.
status-reduced = Tu baneo ahora es temporal
status-reduced-lead = Los moderadores de r/{ $subreddit } han hecho temporal tu baneo.
step-received = Apelación recibida
step-received-text = Tus respuestas se han guardado. El formulario solo puede enviarse una vez.
step-passed = Enviada a los moderadores
step-passed-text = Los moderadores de r/{ $subreddit } tienen tus respuestas; el bot también te lo indica en tu conversación de modmail.
step-passing-text = El bot pasa tus respuestas a los moderadores y lo confirma en tu conversación de modmail, normalmente en pocos minutos.
step-decision = La decisión de los moderadores
step-decision-text = Los moderadores de r/{ $subreddit } revisan tu apelación cuando pueden y deciden si levantan tu baneo; el bot no decide nada. Si los moderadores te responden, será en tu conversación de modmail.
step-lifted = Baneo levantado
step-lifted-text = Tu baneo de r/{ $subreddit } se ha levantado.
step-kept = Baneo mantenido
step-kept-text = Los moderadores te lo han comunicado en tu conversación de modmail.
step-shortened = Baneo reducido
step-shortened-text =
    { $days ->
        [one] Tu baneo termina un día después de esta fecha.
       *[other] Tu baneo termina { $days } días después de esta fecha.
    }

## A link that no longer opens the form

link-conversation = tu conversación de modmail con r/{ $subreddit }
link-expired = Este enlace ha caducado
link-expired-text = Vuelve a escribir en { $conversation } y el bot te responderá con un nuevo enlace al formulario.
link-expired-handed-over-text = El formulario está cerrado, pero lo que escribas ahora en { $conversation } llega directamente a sus moderadores.
link-replaced = Este enlace ha sido sustituido
link-replaced-text = Usa el enlace más reciente que el bot te envió en { $conversation }.
link-invalid = Este enlace no es válido
link-invalid-text = Copia el enlace completo del mensaje del bot en tu conversación de modmail, o escribe allí a los moderadores del subreddit para pedir uno nuevo.

## Failures anyone may meet

error-not-found = Página no encontrada
error-not-found-text = No hay ninguna página en esta dirección.
error-not-found-hint = Si llegaste aquí desde un enlace de un mensaje de modmail, comprueba que copiaste el enlace completo.
error-expired = Esta página ha caducado
error-expired-text = El formulario estuvo abierto demasiado tiempo para aceptarlo de forma segura.
error-reload-hint = Vuelve atrás, recarga la página y envía el formulario de nuevo.
error-unverified = No se ha podido verificar este formulario
error-unverified-text = No hemos podido confirmar que este formulario se enviara desde este sitio, así que no se ha aceptado.
error-too-large = Era demasiado texto
error-too-large-text = El formulario que enviaste supera el tamaño que aceptamos.
error-too-large-hint = Vuelve atrás, acorta tus respuestas y envía el formulario de nuevo.
error-bad-body = No se ha podido leer el formulario
error-bad-body-text = Lo que se envió no es un formulario que este sitio entienda.
error-body-timeout = El formulario tardó demasiado en llegar
error-body-timeout-text = Tus respuestas no nos llegaron a tiempo, así que no se ha guardado nada.
error-body-timeout-hint = Comprueba tu conexión, vuelve atrás y envía el formulario de nuevo.
error-rate-limited = Demasiados intentos
error-rate-limited-text = Has enviado muchos formularios en poco tiempo.
error-rate-limited-hint = Espera un minuto y vuelve a intentarlo.
error-unavailable = Vuelve a intentarlo dentro de un minuto
error-unavailable-text = El sitio no puede acceder a su base de datos en este momento, así que no puede mostrar ni guardar nada. No es culpa tuya.
error-unavailable-hint = Espera un minuto y recarga la página.
error-unexpected = Algo ha salido mal
error-unexpected-text = No hemos podido completar tu solicitud por un problema nuestro. No es culpa tuya.
error-unexpected-hint = Vuelve a intentarlo dentro de unos minutos.
error-to-console = Moderadores: ir a la consola
