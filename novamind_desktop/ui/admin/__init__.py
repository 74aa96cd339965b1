"""The Admin menu: users, the audit log, and the database (migrations, backups, keys)."""
