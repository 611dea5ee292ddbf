# One image for every wugong process (bot, worker, scheduler, migrate).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY wugong ./wugong
COPY common ./common
COPY bot ./bot
COPY workers ./workers
COPY db ./db
COPY policy ./policy
COPY locales ./locales
RUN pip install -e . \
 && pybabel compile -d locales -D messages \
 && useradd --system --home /app wugong \
 && mkdir -p /app/var && chown wugong /app/var

USER wugong
EXPOSE 8080
ENV WUGONG_HTTP_HOST=0.0.0.0
CMD ["wugong", "serve"]
