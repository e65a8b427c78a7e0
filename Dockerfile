# syntax=docker/dockerfile:1
# The slogate harness image (slogate/slogate:dev), used by the scheduled drills in k8s/drill/.
# Build from the repository root:
#   docker build -t slogate/slogate:dev .
#   kind load docker-image slogate/slogate:dev --name slogate
#
# Two drills run it. k8s/drill/local-stack/ runs `slogate run GATE` on the local platform
# inside its pod: slogate brings up its own stack there (Redis, the target_service replicas, an
# HAProxy edge, Prometheus), so the image carries redis-server, haproxy and prometheus (Debian
# bookworm: 7.0, 2.6, 2.42, the versions slogate is tested with). k8s/drill/ runs `slogate run
# GATE --platform kubernetes --attach` against the deployed service: in the pod slogate talks to
# the API with the `kubernetes` client and the mounted token, applies nothing and reaches the
# Services by cluster DNS, so it starts no port-forward and builds no kustomize root: the image
# needs no kubectl.
# The project's gate inputs (slogate.yaml, loadtests/, experiments/, slo/) are the working
# directory, read-only; the run writes only to SLOGATE_HOME (/tmp/slogate) and --reports-dir.
# Try it without Kubernetes, read-only root included:
#   docker run --rm --read-only --tmpfs /tmp slogate/slogate:dev

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: a virtual environment holding slogate, target_service and their dependencies
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY slogate ./slogate
COPY target_service ./target_service
RUN pip install --require-virtualenv -c constraints.txt . \
    && python -m compileall -q /opt/venv

# ---- runtime: slim Python, the local platform's binaries, non-root, writes only under /tmp
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="slogate" \
      org.opencontainers.image.description="slogate reliability gates and scheduled drills" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN apt-get update \
    && apt-get install -y --no-install-recommends prometheus haproxy redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /tmp --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
COPY slogate.yaml /opt/slogate/slogate.yaml
COPY loadtests /opt/slogate/loadtests
COPY experiments /opt/slogate/experiments
COPY slo /opt/slogate/slo
ENV PATH=/opt/venv/bin:/usr/sbin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TMPDIR=/tmp \
    SLOGATE_HOME=/tmp/slogate
WORKDIR /opt/slogate
USER 10001:10001
# slogate stops the load, rolls back faults and writes a partial report on SIGTERM.
STOPSIGNAL SIGTERM
CMD ["slogate", "run", "smoke", "--reports-dir", "/tmp/reports"]
