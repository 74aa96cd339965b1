"""MVP presenters: take a view Protocol, services and a task runner. No Qt, no SQL."""
