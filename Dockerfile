# One image for the gateway and dictachat (docker-compose runs it twice with different commands).
# Stage 1 installs the pinned Python requirements, stage 2 builds the Reflex frontend, the final stage
# carries only what runs, as a non-root user.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG BUN_VERSION=1.4.5

FROM oven/bun:${BUN_VERSION}-slim AS bun

FROM ${PYTHON_IMAGE} AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM deps AS frontend
COPY --from=bun /usr/local/bin/bun /usr/local/bin/bun
ENV PATH=/opt/venv/bin:$PATH REFLEX_BUN_PATH=/usr/local/bin/bun REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false LITELLM_LOCAL_MODEL_COST_MAP=True
WORKDIR /app
COPY . .
# Installs the locked JavaScript dependencies and proves the frontend builds; `reflex run --env prod`
# rebuilds it at start from these node_modules, without network.
RUN reflex export --frontend-only --no-zip

FROM ${PYTHON_IMAGE}
RUN useradd --create-home --uid 10001 app
COPY --from=deps /opt/venv /opt/venv
COPY --from=bun /usr/local/bin/bun /usr/local/bin/bun
ENV PATH=/opt/venv/bin:$PATH REFLEX_BUN_PATH=/usr/local/bin/bun REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false LITELLM_LOCAL_MODEL_COST_MAP=True PYTHONUNBUFFERED=1
WORKDIR /app
COPY --chown=app:app . .
COPY --from=frontend --chown=app:app /app/.web /app/.web
RUN mkdir -p /app/data /app/templates && chown app:app /app /app/data /app/templates
USER app
EXPOSE 8001 8002 8003
CMD ["python", "-m", "gateway"]
