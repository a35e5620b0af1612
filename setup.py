"""Which folders become which packages, with their data files; the rest of the build is
described in pyproject.toml.

``bot`` and ``storage`` are packaged as they lie. The top-level ``locales/`` folder stays
where translators and the i18n commands expect it, and is mapped into the wheel as
``bot/locales`` (bot/i18n/texts.py finds it there once installed); a new language's folder
is picked up without an edit here. Every folder that carries files is listed as a package,
data-only ones included, so the build warns about none.
"""

from setuptools import find_namespace_packages, setup

LOCALES = "bot.locales"
CATALOGS = [f"{LOCALES}.{name}" for name in find_namespace_packages(where="locales")
            if name.endswith(".LC_MESSAGES")]

setup(
    packages=[
        *find_namespace_packages(include=["bot", "bot.*", "storage", "storage.*"]),
        LOCALES,
        *(f"{LOCALES}.{name}" for name in find_namespace_packages(where="locales")),
    ],
    package_dir={LOCALES: "locales"},
    package_data={
        "bot.flows": ["*.yaml"],
        "bot.flows.scenarios": ["*.yaml"],
        "bot.directory": ["*.yaml"],
        "storage.migrations": ["*.mako"],
        "bot.console.templates": ["*.html"],  # the web console's pages and its own
        "bot.console.static": ["*"],  # style sheets and vendored scripts
        LOCALES: ["*.pot"],
        **{catalog: ["*.po"] for catalog in CATALOGS},
        # each language's review status (locales/<lang>/review.yaml, bot/i18n/review.py)
        **{f"{LOCALES}.{name}": ["review.yaml"] for name in find_namespace_packages(
            where="locales") if "." not in name},
    },
)
