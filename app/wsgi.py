"""WSGI entry point for gunicorn: `gunicorn 'app.wsgi:server'` (settings from the environment)."""

from app import create_app

server = create_app().server
