"""The bot's HTTP side, on two listeners (``docs/deploy.md``, "Two listeners").

* the public app (``bot.http.public``): Telegram's webhook ``/telegram`` and ``/healthz``,
  served by ``intake run --webhook`` on ``--listen``/``--port``, where a reverse proxy
  sends Telegram;
* the console app (``bot.http.private``): the web console under ``/console``,
  ``/metrics`` and ``/healthz``, served on ``INTAKE_CONSOLE_LISTEN`` in polling and webhook
  mode alike, never on the webhook's port.

``bot.http.serving`` runs them in the bot's event loop.
"""
