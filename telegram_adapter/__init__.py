"""The Telegram adapter: everything that knows python-telegram-bot apart from the handlers that
answer people. `app` builds and runs the Application, `routes` says which update reaches which
handler, `transport` sends the outbox through the Bot API under the rate limiter, `processing`
keeps one chat's updates in order, `jobs` registers the periodic jobs, `commands` publishes the
command menus, `context` holds the typed context, `guard` and `errors` run around every handler,
and `buttons` owns every button's data."""
