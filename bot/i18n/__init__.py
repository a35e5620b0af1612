"""Translations: catalogs in ``locales/``, flow-string extraction, completeness checks."""
