# Zielcockpit: the web app under gunicorn. Configure with DATABASE_URL (PostgreSQL in production)
# and ZIELCOCKPIT_SECRET_KEY; see compose.yaml for a complete set-up.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ZIELCOCKPIT_CATALOGUE_DIR=/app/catalogue \
    ZIELCOCKPIT_ARCHIVE_DIR=/data/archiv

WORKDIR /app
RUN useradd --create-home --uid 10001 zielcockpit && mkdir -p /data && chown zielcockpit /data

COPY pyproject.toml README.md ./
COPY zielcockpit ./zielcockpit
COPY db ./db
COPY etl ./etl
COPY app ./app
COPY assets ./assets
COPY catalogue ./catalogue
# Editable, so the app finds assets/ and catalogue/ beside its code, as in the repository.
RUN pip install -e .

USER zielcockpit
EXPOSE 8050
# Migrations first (safe to repeat), then the app; app.wsgi builds it with create_app().
CMD ["sh", "-c", "zielcockpit init-db && exec gunicorn --bind 0.0.0.0:8050 --workers 2 --access-logfile - 'app.wsgi:server'"]
