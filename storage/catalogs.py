"""Translation catalogs accepted through the console (``bot.service.translations.CatalogStore``).

Rows are only ever added: a language's newest row is what every process serves, and the
highest id is the version a running process polls (``bot.service.translations.ServedTexts``).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from bot.service.translations import CatalogsUnavailable, StoredCatalog
from storage.models import TranslationCatalog
from storage.sql import Context


class SqlCatalogStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    def version(self) -> int:
        try:
            with self._context.reading() as db:
                return int(db.scalar(select(func.max(TranslationCatalog.id))) or 0)
        except DBAPIError as error:
            raise CatalogsUnavailable(type(error).__name__) from error

    def latest(self) -> dict[str, StoredCatalog]:
        """The newest catalog of every language that has one."""
        newest = (select(func.max(TranslationCatalog.id))
                  .group_by(TranslationCatalog.language).scalar_subquery())
        try:
            with self._context.reading() as db:
                rows = db.scalars(select(TranslationCatalog)
                                  .where(TranslationCatalog.id.in_(newest))
                                  .order_by(TranslationCatalog.language)).all()
                return {row.language: _stored(row) for row in rows}
        except DBAPIError as error:
            raise CatalogsUnavailable(type(error).__name__) from error

    def add(self, catalog: StoredCatalog) -> int:
        with self._context.writing() as db:
            row = TranslationCatalog(
                language=catalog.language, content=catalog.content, checksum=catalog.checksum,
                uploaded_at=catalog.uploaded_at, uploaded_by=catalog.uploaded_by,
                reviewed_by=catalog.reviewed_by, reviewed_on=catalog.reviewed_on)
            db.add(row)
            db.flush()
            return row.id


def _stored(row: TranslationCatalog) -> StoredCatalog:
    return StoredCatalog(row.id, row.language, row.content, row.checksum, row.uploaded_at,
                         row.uploaded_by, row.reviewed_by, row.reviewed_on)
