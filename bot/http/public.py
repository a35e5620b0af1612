"""The public app: what a reverse proxy may expose to the internet in webhook mode.

``POST /telegram`` takes Telegram's updates (``bot.telegram.webhook``); ``GET /healthz``
answers 200, or 503 while the database is unreachable (``bot.http.health``). Nothing else:
the console and ``/metrics`` are on the console's own listener (``bot.http.private``).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from bot.http.health import Health
from bot.telegram.app import Bot
from bot.telegram.webhook import PATH, TelegramWebhook


def public_app(running: Bot, secret: str, health: Health) -> Starlette:
    return Starlette(routes=[
        Route(PATH, TelegramWebhook(running, secret)),
        Route("/healthz", health.endpoint, methods=["GET"]),
    ])
