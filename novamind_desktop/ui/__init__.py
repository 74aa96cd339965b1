"""The only package that imports PySide6: views, item models, dialogs, the worker thread."""
