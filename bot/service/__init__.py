"""Application services: what happens when a referrer answers, a focal point acts, or a
deadline passes. Channel-agnostic: they talk to ports and return what must be said to whom;
the Telegram adapter renders and sends it."""
