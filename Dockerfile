# syntax=docker/dockerfile:1
# zonekeeper's image: `docker build -t zonekeeper:0.1.0 .`
#
# Two stages. The builder installs uv and the locked runtime dependencies plus zonekeeper itself (not
# editable) into /app/.venv; the final image gets that virtual environment and nothing else from it:
# no uv, no pip, no compiler, no source tree. It runs as UID/GID 65532 and never writes to its root
# filesystem (bytecode is compiled at build time), so it runs with readOnlyRootFilesystem: true.
ARG PYTHON_IMAGE=python:3.12-slim

FROM ${PYTHON_IMAGE} AS builder
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m pip install --no-cache-dir uv==0.13.9
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-editable --no-install-project
COPY README.md ./
COPY src ./src
RUN uv sync --locked --no-dev --no-editable

FROM ${PYTHON_IMAGE}
# The interpreter tools the application does not need go too: pip, ensurepip's wheels.
RUN python -m pip uninstall --yes pip \
    && rm -rf /usr/local/lib/python3*/ensurepip \
    && groupadd --system --gid 65532 zonekeeper \
    && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin zonekeeper
COPY --from=builder /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 65532:65532
WORKDIR /app
EXPOSE 7979
ENTRYPOINT ["zonekeeper"]
CMD ["run"]
