# syntax=docker/dockerfile:1
# Build stage: install the package and its dependencies into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install .

# Runtime stage: the virtual environment only, run as an unprivileged user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN useradd --system --uid 10001 --home-dir /srv --shell /usr/sbin/nologin app \
    && mkdir -p /srv/data && chown app:app /srv/data
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv
USER app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health/live', timeout=2)"]
# --no-proxy-headers: X-Forwarded-For is believed by the service itself, from TRUSTED_PROXIES only
# (one source of truth: uvicorn would otherwise rewrite the client address first, from its own list).
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers", \
     "--no-access-log", "--timeout-graceful-shutdown", "20"]
