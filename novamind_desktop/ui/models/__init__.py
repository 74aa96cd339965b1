"""Qt item models: thin adapters over lists of immutable rows."""
