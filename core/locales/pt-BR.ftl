# What appellants read, in Brazilian Portuguese ("você").

## Shared pieces

form-duration = 2–3 minutos
month-1 = janeiro
month-2 = fevereiro
month-3 = março
month-4 = abril
month-5 = maio
month-6 = junho
month-7 = julho
month-8 = agosto
month-9 = setembro
month-10 = outubro
month-11 = novembro
month-12 = dezembro
date = { $day } de { $month } de { $year }
date-time = { $date }, às { $time } UTC
link-expiry = { $date } (UTC)

## The bot's messages in modmail (templates)

bot-initial =
    Olá, u/{ $username }. Esta é uma mensagem automática em nome dos moderadores de r/{ $subreddit }.

    Para recorrer do seu banimento, preencha este formulário curto (leva { form-duration }): { $link }

    O link é pessoal, então não o compartilhe; ele funciona até { $expires }. Os moderadores veem seu recurso assim que o formulário for enviado e decidem se e quando responder.
bot-reminder =
    Olá, u/{ $username }. Este é um lembrete automático em nome dos moderadores de r/{ $subreddit }: seu recurso ainda não está completo, por isso os moderadores ainda não o viram.

    Preencha o formulário ({ form-duration }): { $link }

    O link funciona até { $expires }.
bot-final =
    Obrigado, u/{ $username }. Esta é uma mensagem automática em nome dos moderadores de r/{ $subreddit }: seu recurso foi recebido e encaminhado a eles.

    Os moderadores analisam os recursos quando podem; se responderem, será nesta conversa. Você pode ver a situação do seu recurso aqui: { $link }

## The moderators' decisions, as the bot sends them (templates)

decision-grant = Olá, u/{ $username }. Os moderadores de r/{ $subreddit } analisaram seu recurso e removeram seu banimento. Boas-vindas de volta, e por favor siga as regras.
decision-deny-default = Olá, u/{ $username }. Os moderadores de r/{ $subreddit } analisaram seu recurso e decidiram manter seu banimento.
decision-deny-rules = Olá, u/{ $username }. Os moderadores de r/{ $subreddit } analisaram seu recurso e decidiram manter seu banimento: a regra em questão ({ $reason }) é importante para esta comunidade, e o recurso não mostrou que ela será respeitada.
decision-deny-too-soon = Olá, u/{ $username }. Os moderadores de r/{ $subreddit } analisaram seu recurso e decidiram manter seu banimento por enquanto. Você poderá recorrer novamente mais tarde.
decision-reduce = Olá, u/{ $username }. Os moderadores de r/{ $subreddit } analisaram seu recurso: seu banimento agora é temporário e termina em { $days } dias.
decision-reason-not-stated = não informada

## The default appeal form

question-appeal-reason = Por que você está recorrendo?
question-appeal-reason-disagree = Discordo da regra
question-appeal-reason-not-fit = A regra não se aplica ao que eu fiz
question-appeal-reason-regret = Eu me arrependo do que fiz
question-appeal-reason-mistake = Meu banimento foi um engano
question-appeal-reason-other = Outro
question-rule = Qual regra motivou o banimento? Use suas palavras.
question-actions-wrong = O que você fez foi errado?
question-pledge = Você promete não repetir?
question-steps = O que você fará para que isso não se repita?
question-examples = Quais destes comentários deveriam ser permitidos aqui?
question-examples-help = Marque todos os que deveriam ser.
example-comment-1 = Acho que você está errado: esta fonte diz o contrário.
example-comment-2 = A opinião mais burra da semana.
example-comment-3 = Gente como você não deveria poder postar aqui.
example-comment-4 = Algum moderador pode explicar por que meu post foi removido?
example-comment-5 = Ninguém pediu sua opinião, some.

## Every appellant's page

page-skip = Pular para o conteúdo
page-footer = AppealMod não é afiliado ao Reddit.
page-error-prefix = Erro:

## The appeal form's page

form-title = Seu recurso para r/{ $subreddit }
form-title-errors = Erro: seu recurso para r/{ $subreddit }
form-heading = Recorra do seu banimento de r/{ $subreddit }
form-intro = Olá, u/{ $username }. Leva { form-duration }; os moderadores veem tudo após o envio.
form-ban-permanent = Banimento permanente
form-ban-temporary = Banimento temporário
form-ban-permanent-since = Banimento permanente desde { $date }
form-ban-temporary-since = Banimento temporário desde { $date }
form-unsaved-title = Ainda não enviado
form-unsaved = Seu recurso não foi enviado: o site não consegue acessar o banco de dados agora. Suas respostas continuam neste formulário. Envie-o de novo daqui a um minuto.
form-errors =
    { $count ->
        [one] Uma resposta precisa da sua atenção
       *[other] { $count } respostas precisam da sua atenção
    }
form-ban-reason = Motivo do seu banimento
form-no-reason = Os moderadores não informaram um motivo para o seu banimento.
form-optional = (opcional)
form-limit = Até { $limit } caracteres.
form-explain-other = Explique, por favor
form-yes = Sim
form-no = Não
form-submit = Enviar meu recurso
form-once = O formulário só pode ser enviado uma vez. O link é pessoal: não o compartilhe.
form-error-answer = Responda a esta pergunta.
form-error-too-long = Encurte sua resposta para no máximo { $max } caracteres (ela tem { $length }).
form-error-choose-one = Escolha uma opção.
form-error-choose-shown = Escolha uma das opções mostradas.
form-error-explain-other = Explique neste campo sua escolha de “{ $option }”.
form-error-yes-no = Escolha sim ou não.
form-error-only-shown = Escolha apenas entre as opções mostradas.
form-error-at-least-one = Escolha pelo menos uma opção.

## A form the database could not take, from a process that did not show it

unsaved-title = Ainda não enviado: seu recurso
unsaved-eyebrow = Recurso de banimento
unsaved-heading = Seu recurso ainda não foi enviado
unsaved-answer = Sua resposta ({ $name })
unsaved-personal = Este link é pessoal: não o compartilhe.

## Where a submitted appeal stands

status-eyebrow = Recurso de banimento · r/{ $subreddit }
status-where = Situação do seu recurso
status-done = Concluído:
status-now = Agora:
status-next = Próximo:
status-on = em
status-conversation = Sua conversa de modmail com r/{ $subreddit }
status-back = Voltar para r/{ $subreddit }
status-come-back = Você pode voltar a esta página com o mesmo link a qualquer momento. O link é pessoal: não o compartilhe.
status-lifted = Seu banimento acabou
status-lifted-lead = Seu banimento de r/{ $subreddit } terminou.
status-granted-lead = Os moderadores de r/{ $subreddit } removeram seu banimento.
status-with-moderators = Seu recurso está com os moderadores
status-with-moderators-lead = Os moderadores de r/{ $subreddit } têm suas respostas.
status-thanks = Obrigado, seu recurso foi recebido
status-received = Seu recurso foi recebido
status-received-lead = Suas respostas estão a caminho dos moderadores de r/{ $subreddit }.
status-kept = Os moderadores decidiram
status-kept-lead = Os moderadores de r/{ $subreddit } analisaram seu recurso e mantiveram seu banimento.
status-reduced = Seu banimento agora é temporário
status-reduced-lead = Os moderadores de r/{ $subreddit } tornaram seu banimento temporário.
step-received = Recurso recebido
step-received-text = Suas respostas foram salvas. O formulário só pode ser enviado uma vez.
step-passed = Encaminhado aos moderadores
step-passed-text = Os moderadores de r/{ $subreddit } têm suas respostas; o bot também avisa você na sua conversa de modmail.
step-passing-text = O bot encaminha suas respostas aos moderadores e confirma isso na sua conversa de modmail, geralmente em poucos minutos.
step-decision = A decisão dos moderadores
step-decision-text = Os moderadores de r/{ $subreddit } analisam seu recurso quando podem e decidem se removem seu banimento; o bot não decide nada. Se os moderadores responderem, será na sua conversa de modmail.
step-lifted = Banimento removido
step-lifted-text = Seu banimento de r/{ $subreddit } foi removido.
step-kept = Banimento mantido
step-kept-text = Os moderadores avisaram você na sua conversa de modmail.
step-shortened = Banimento reduzido
step-shortened-text =
    { $days ->
        [one] Seu banimento termina um dia após esta data.
       *[other] Seu banimento termina { $days } dias após esta data.
    }

## A link that no longer opens the form

link-conversation = sua conversa de modmail com r/{ $subreddit }
link-expired = Este link expirou
link-expired-text = Escreva de novo em { $conversation } e o bot responderá com um novo link para o formulário.
link-expired-handed-over-text = O formulário está fechado, mas o que você escrever agora em { $conversation } vai direto para os moderadores.
link-replaced = Este link foi substituído
link-replaced-text = Use o link mais recente que o bot enviou a você em { $conversation }.
link-invalid = Este link não é válido
link-invalid-text = Copie o link inteiro da mensagem do bot na sua conversa de modmail, ou escreva lá aos moderadores do subreddit para pedir um novo.

## Failures anyone may meet

error-not-found = Página não encontrada
error-not-found-text = Não há nenhuma página neste endereço.
error-not-found-hint = Se você chegou aqui por um link em uma mensagem de modmail, verifique se copiou o link inteiro.
error-expired = Esta página expirou
error-expired-text = O formulário ficou aberto por tempo demais para ser aceito com segurança.
error-reload-hint = Volte, recarregue a página e envie o formulário de novo.
error-unverified = Não foi possível verificar este formulário
error-unverified-text = Não conseguimos confirmar que este formulário foi enviado deste site, por isso ele não foi aceito.
error-too-large = Era texto demais
error-too-large-text = O formulário enviado é maior do que aceitamos.
error-too-large-hint = Volte, encurte suas respostas e envie o formulário de novo.
error-bad-body = Não foi possível ler o formulário
error-bad-body-text = O que foi enviado não é um formulário que este site entende.
error-body-timeout = O formulário demorou demais para chegar
error-body-timeout-text = Suas respostas não chegaram a tempo, então nada foi salvo.
error-body-timeout-hint = Verifique sua conexão, volte e envie o formulário de novo.
error-rate-limited = Tentativas demais
error-rate-limited-text = Você enviou muitos formulários em pouco tempo.
error-rate-limited-hint = Espere um minuto e tente de novo.
error-unavailable = Tente de novo daqui a um minuto
error-unavailable-text = O site não consegue acessar o banco de dados agora, então não pode mostrar nem salvar nada. Não foi nada que você fez.
error-unavailable-hint = Espere um minuto e recarregue a página.
error-unexpected = Algo deu errado
error-unexpected-text = Não conseguimos concluir seu pedido por causa de um problema do nosso lado. Não foi nada que você fez.
error-unexpected-hint = Tente de novo daqui a alguns minutos.
error-to-console = Moderadores: ir para o console
