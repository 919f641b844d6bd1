# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

RUN useradd --create-home --uid 10001 tika
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SETTINGS_MODULE=portal.settings.production SECRET_KEY=build-only ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@build/build REDIS_URL=redis://build:6379/0 EMAIL_URL=consolemail:// \
    KYCVS_BASE_URL=https://build KYCVS_API_KEY=build KYCVS_VERIFY_KEY=https://build/jwks \
    FIELD_ENCRYPTION_KEYS=x8HEd1iY_MjrmKIvMvBYIrOUl2rdzcTGpUdiD5u0cQo= \
    python manage.py collectstatic --noinput --verbosity 0

USER tika
EXPOSE 8000
# A bounded pool: at most workers x threads (8) database connections (README: connection budget).
CMD ["gunicorn", "portal.wsgi", "--config", "python:portal.gunicorn_conf", "--bind", "0.0.0.0:8000", \
     "--workers", "2", "--threads", "4", "--access-logfile", "-"]
