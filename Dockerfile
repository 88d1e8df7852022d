# The image of every Liens process in compose.yaml (web, workers, beat, migrate).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Translations compiled and static files collected once, into the image; nothing here needs the
# database. The key only lets the settings load for these two commands.
RUN SECRET_KEY=build-only python manage.py compiletranslations \
 && SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && useradd --system --home /app liens && mkdir -p /var/lib/liens && chown liens /var/lib/liens
USER liens
