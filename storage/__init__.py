"""Persistence: SQLAlchemy 2.x models, migrations, encrypted fields, and the port
implementations (``bot.ports``) the rest of the product uses.

SQLite (a file, WAL) is the embedded default; PostgreSQL is supported through the same code
by setting ``DATABASE_URL``. Personal data is encrypted field by field before it reaches
either (``storage.crypto``); what stays readable are codes, levels, ids and timestamps.
"""
