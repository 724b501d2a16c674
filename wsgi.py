"""Entry point for gunicorn and ``flask``: ``gunicorn wsgi:app``."""
from warehouse import create_app

app = create_app()
