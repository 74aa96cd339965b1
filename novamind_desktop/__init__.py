"""NOVAMIND Desktop: clinic administration for a mental-health practice."""

__version__ = "0.1.0"
