"""Response and request models of the HTTP API, kept apart from the ORM tables."""
