"""The Telegram channel: a thin adapter from updates to engine and routing calls, and from
their events to messages. Conversation logic never lives here."""
