"""Adapters: SQLAlchemy storage, field encryption, migrations, backups, file formats."""
