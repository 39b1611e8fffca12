# syntax=docker/dockerfile:1
# prodplan: the production-planning gRPC service, CPU only. Build and run: docs/DEPLOY.md
#   docker build -t prodplan:0.1.0 .
# The base is pinned by tag; pin it by digest too where builds must be reproducible
# (PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:...).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --- builder: a virtualenv in /opt/venv with the project, CPU torch and the PostgreSQL driver ---------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# torch first, exactly, from PyTorch's CPU index: the CPU wheel, never the CUDA build and its
# GBs of nvidia-* packages. The constraint keeps every later resolver step on this build.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
    && echo "torch==2.13.0" > /opt/constraints.txt
WORKDIR /src
COPY pyproject.toml README.md ./
COPY prodplan ./prodplan
COPY planner ./planner
COPY service ./service
COPY forecaster ./forecaster
# A regular (not editable) install: the shipped models (forecaster/weights/*.safetensors + *.json) are
# package data, so they land in site-packages with the code.
RUN pip install --no-cache-dir --constraint /opt/constraints.txt ".[postgres]" \
    && python -c "import torch; assert not torch.version.cuda, torch.version.cuda" \
    && python -c "from importlib.resources import files; w = files('forecaster') / 'weights'; \
assert all((w / f'{m}.safetensors').is_file() for m in ('demand', 'defect', 'risk')), 'models missing'"

# --- runtime: the virtualenv, a non-root user, nothing else ------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 prodplan \
    && useradd --system --uid 10001 --gid prodplan --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin prodplan \
    && mkdir -p /data /app \
    && chown prodplan:prodplan /data
COPY --from=builder /opt/venv /opt/venv
COPY deploy/healthcheck.py /app/healthcheck.py
WORKDIR /app
# PRODPLAN_HOST=0.0.0.0: the server refuses plaintext off loopback, so mount a certificate and key and set
# PRODPLAN_TLS_CERT_FILE / PRODPLAN_TLS_KEY_FILE (TLS), or set PRODPLAN_ALLOW_INSECURE=1 only where a proxy or
# mesh in front terminates TLS. Metrics are off unless PRODPLAN_METRICS_PORT is set; 9464 is the port the compose
# file and the Helm chart give them (plain HTTP, no secrets in them).
# PRODPLAN_DB defaults to an SQLite file in /data (one container); give a postgresql:// URL for replicas.
# The numba cache (the compiled tabu search) and matplotlib's config go to /tmp, so the root file system can be
# read-only with a writable /tmp.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    NUMBA_CACHE_DIR=/tmp/numba-cache \
    MPLCONFIGDIR=/tmp/matplotlib \
    PRODPLAN_HOST=0.0.0.0 \
    PRODPLAN_PORT=50051 \
    PRODPLAN_METRICS_HOST=0.0.0.0 \
    PRODPLAN_DB=/data/prodplan.db
USER 10001:10001
EXPOSE 50051 9464
# grpc.health.v1 over the same transport the server speaks (TLS when PRODPLAN_TLS_CERT_FILE is set; see
# /app/healthcheck.py for the CA, server name and client certificate it uses).
HEALTHCHECK --interval=30s --timeout=10s --start-period=180s --retries=3 CMD ["python", "/app/healthcheck.py"]
ENTRYPOINT ["python", "-m", "service"]
