"""WSGI entry point for gunicorn: `gunicorn 'app.wsgi:server'` (settings from the environment)."""

from app import create_app, warm_up
from zielcockpit.services.jobs import start_background
from zielcockpit.settings import Settings

_app = create_app()
warm_up(_app)  # before gunicorn's threads take requests
start_background(Settings.resolve())  # the periodic reminders (embedded queue)
server = _app.server
