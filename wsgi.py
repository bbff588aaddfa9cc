"""Entry point for gunicorn and ``flask --app wsgi``."""

from lms import create_app

app = create_app()
