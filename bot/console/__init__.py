"""The web console for coordinators: server-rendered pages (Starlette, Jinja2) served by the
bot's own process (``docs/console.md``).

``app.build_console`` makes the app; ``access`` holds who is signed in and the page
decorator; ``render`` the templates; ``sessions`` the password-less sign-in; ``auth`` its
routes; ``pages`` one module per page."""
