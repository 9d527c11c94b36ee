"""WSGI entry point for gunicorn: `gunicorn 'app.wsgi:server'` (settings from the environment)."""

from app import create_app, warm_up

_app = create_app()
warm_up(_app)  # before gunicorn's threads take requests
server = _app.server
