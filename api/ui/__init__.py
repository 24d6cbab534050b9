"""The staff web UI: Jinja2 templates, static files, signed sessions and CSRF tokens."""
