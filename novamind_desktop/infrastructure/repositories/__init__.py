"""SQLAlchemy implementations of the repository Protocols in services/ports.py.

One module per noun. Every method returns domain dataclasses; records never leave here.
"""
