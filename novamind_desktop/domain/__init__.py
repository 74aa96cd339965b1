"""Entities, value objects, rules and errors of the clinic. No Qt, no SQLAlchemy."""
