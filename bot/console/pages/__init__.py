"""The console's pages: each module here exposes ``ROUTES: list[BaseRoute]`` under
``/console/...`` and is listed in :data:`PAGES` (``bot.console.app`` includes them)."""

#: Page modules by name, in navigation order; add yours with a one-line edit.
PAGES: tuple[str, ...] = ("overview", "referrals", "flows", "translations", "directory", "staff",
                          "audit")
