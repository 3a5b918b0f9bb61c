# Broadsheet's app server image: gunicorn with production settings, static files built in.
# compose.yaml runs it with PostgreSQL and Redis; see README "Deploying".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=settings.production \
    PORT=8000

WORKDIR /app

# Dependencies first, so editing the code does not reinstall them: the exact versions and file
# hashes in requirements.lock (`make lock` writes it), then the project itself with no others.
COPY pyproject.toml README.md requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock \
    && pip install --no-cache-dir --no-deps .

COPY . .

# Static files are collected into the image (hashed names, compressed), so every container
# serves the same set; the variables below only satisfy the settings for this one command.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://unused@localhost/unused \
    python manage.py collectstatic --noinput --verbosity 0

RUN useradd --create-home --uid 10001 broadsheet \
    && mkdir -p /app/media /app/.data/cache && chown broadsheet /app/media /app/.data/cache
USER broadsheet

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
