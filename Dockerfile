# syntax=docker/dockerfile:1
# zonekeeper's image. Build it with `scripts/image.sh` (labels, both architectures, size report), or
# by hand: `docker build -t zonekeeper:0.1.0 .`
#
# Two stages. The builder installs uv and the locked runtime dependencies plus zonekeeper itself (not
# editable) into /app/.venv, and writes a CycloneDX SBOM of that environment; the final image gets the
# virtual environment and the SBOM and nothing else from it: no uv, no pip, no compiler, no source
# tree. It runs as UID/GID 65532 and never writes to its root filesystem (bytecode is compiled at
# build time), so it runs with readOnlyRootFilesystem: true.
#
# The base is pinned by digest (the multi-arch index of python:3.12-slim), so a rebuild gets the same
# base until someone moves the pin on purpose. To update it (docs/install.md, "Updating the base"):
#   docker buildx imagetools inspect python:3.12-slim --format '{{json .Manifest.Digest}}'
# and replace the digest below. --build-arg PYTHON_IMAGE=... replaces the whole reference (tag and
# digest): scripts/image.sh --base=stand-in passes a local stand-in that way.
ARG PYTHON_IMAGE=python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

FROM ${PYTHON_IMAGE} AS builder
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m pip install --no-cache-dir uv==0.13.9
# strip(1), for the slimming below; the builder's only Debian package, it never reaches the final image.
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends binutils \
    && rm -rf /var/lib/apt/lists/*
# The SBOM generator, in an environment of its own that never reaches the final image.
RUN uv venv /opt/sbom && uv pip install --python /opt/sbom/bin/python cyclonedx-bom==7.5.0
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-editable --no-install-project
# Slimming (docs/install.md, "Image size"): the environment the final stage copies went from 101 MB to
# 53 MB (file sizes in site-packages).
# * The kubernetes package's generated code (the package goes from 37 MB to 2.7 MB; what is left keeps
#   its sources and bytecode, like every other package): a model class and an API class per resource
#   type and version, for its synchronous and its asyncio client. zonekeeper imports only the asyncio
#   client's ApiClient and Configuration and its config loaders, and sends and reads raw JSON (never a
#   model). Both packages' __init__ modules load these classes lazily, by name, on first use (PEP 562),
#   so the rest of the package imports and works without them; the models packages stay as the empty
#   namespaces api_client.py imports. tests/integration/test_image.py runs zonekeeper against the real
#   kube-apiserver with the in-cluster config and with a kubeconfig, and imports every name src/ takes
#   from a third-party package, in the image.
# * botocore keeps the API models of the services zonekeeper can call: Route 53, and STS and SSO for
#   the credential providers (IRSA, assumed roles, SSO profiles).
# * Tests shipped inside packages (kubernetes', websocket-client's).
# * The C/Rust extension modules' symbol tables and debug sections, 13 MB (33 MB to 20 MB):
#   --strip-unneeded keeps the dynamic symbols the interpreter links against; the image test imports
#   every extension module in the image.
RUN cd /app/.venv/lib/python3*/site-packages \
    && for client in kubernetes/client kubernetes/aio/client; do \
         rm -rf "$client/api" \
         && find "$client/models" -type f ! -name '__init__.py' ! -name '__init__.*.pyc' -delete; \
       done \
    && find kubernetes -name '*_test.py' -delete \
    && find kubernetes -path '*/__pycache__/*_test.*.pyc' -delete \
    && rm -rf websocket/tests \
    && find botocore/data -mindepth 1 -maxdepth 1 -type d \
        ! -name route53 ! -name sts ! -name sso ! -name sso-oidc -exec rm -rf {} + \
    && find . -type f -name '*.so' -exec strip --strip-unneeded {} +
COPY README.md ./
COPY src ./src
RUN uv sync --locked --no-dev --no-editable \
    && /opt/sbom/bin/cyclonedx-py environment --pyproject pyproject.toml --mc-type application \
        --output-format JSON --output-reproducible --output-file /app/sbom.cdx.json /app/.venv/bin/python

FROM ${PYTHON_IMAGE}
# The interpreter tools the application does not need go too: pip, ensurepip's wheels. This hides them
# (nothing in the image can install packages) but does not make the image smaller: the base layer keeps
# their bytes, this layer only records their removal.
RUN python -m pip uninstall --yes pip \
    && rm -rf /usr/local/lib/python3*/ensurepip \
    && groupadd --system --gid 65532 zonekeeper \
    && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin zonekeeper
COPY --from=builder /app/.venv /app/.venv
COPY --from=builder /app/sbom.cdx.json /app/sbom.cdx.json
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 65532:65532
WORKDIR /app
EXPOSE 7979
# Last, so that a new commit only changes the labels, never a cached layer. scripts/image.sh sets them
# from pyproject.toml and git.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=unknown
ARG PYTHON_IMAGE
LABEL org.opencontainers.image.title="zonekeeper" \
      org.opencontainers.image.description="Kubernetes to AWS Route 53 DNS controller, a drop-in replacement for external-dns" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"
ENTRYPOINT ["zonekeeper"]
CMD ["run"]
