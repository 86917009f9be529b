# Sourced by the other scripts: make sure uv is present and the locked environment is installed.
# Works on a fresh machine that reaches PyPI; never downloads a Python interpreter.
set -euo pipefail
export UV_PYTHON_DOWNLOADS=never
UV_VERSION=0.13.9
if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version 2>/dev/null | awk '{print $2}')" != "$UV_VERSION" ]; then
  echo "bootstrap: installing uv $UV_VERSION from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" >&2
  hash -r
fi
uv sync --locked --quiet >&2
