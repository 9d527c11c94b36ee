# Zielcockpit: the web app under gunicorn. Configure with DATABASE_URL (PostgreSQL in production)
# and ZIELCOCKPIT_SECRET_KEY; see compose.yaml for a complete set-up.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ZIELCOCKPIT_ARCHIVE_DIR=/data/archiv

# No system packages: the committee report is set by Typst (a wheel) with the fonts that ship
# in the package (zielcockpit/report/fonts).
RUN useradd --create-home --uid 10001 zielcockpit && mkdir -p /data && chown zielcockpit /data

# A regular install: assets, catalogues, import profiles and migrations are package data, so
# nothing is read from the source tree, which is removed again.
COPY pyproject.toml README.md /tmp/src/
COPY zielcockpit /tmp/src/zielcockpit
COPY db /tmp/src/db
COPY etl /tmp/src/etl
COPY app /tmp/src/app
COPY assets /tmp/src/assets
RUN pip install /tmp/src && rm -rf /tmp/src

WORKDIR /app
USER zielcockpit
EXPOSE 8050
# Migrations first (safe to repeat), then the app; app.wsgi builds it with create_app().
# 2 processes × 4 threads: a slow request (an import, a large export) does not hold up the
# others. All workers sign sessions with ZIELCOCKPIT_SECRET_KEY (or, without it, the key stored
# in the database), so a user may land on any of them.
CMD ["sh", "-c", "zielcockpit init-db && exec gunicorn --bind 0.0.0.0:8050 --worker-class gthread --workers 2 --threads 4 --keep-alive 75 --access-logfile - 'app.wsgi:server'"]
