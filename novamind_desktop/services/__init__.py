"""Use cases, one module per noun, and the interfaces (Protocols) they need from storage."""
