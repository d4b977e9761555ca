# The portal's production image: gunicorn for web, the same image for the worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
      libpq-dev gcc gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY pilot_portal pilot_portal
COPY enterprises enterprises
COPY providers providers
COPY assessments assessments
COPY subsidies subsidies
RUN pip install .
COPY . .
# Build-time only values: collectstatic and compilemessages need settings to load.
RUN DEBUG=false SECRET_KEY=build-only-secret-key-build-only-secret-key-build-only \
    python manage.py collectstatic --no-input -v0 \
 && python manage.py compilemessages -v0

RUN useradd --system --home /app portal && mkdir -p /app/var/media && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "pilot_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
