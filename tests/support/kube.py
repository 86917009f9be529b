"""A real Kubernetes API server (kube-apiserver + etcd) for integration tests.

``KubeCluster`` starts etcd and kube-apiserver on 127.0.0.1 (free ports, a private temp dir), waits for
``/readyz``, installs zonekeeper's CRDs (``deploy/crds``) and the other projects' the sources read
(``tests/support/crds/<project>``), and cleans everything up on exit, also when start-up fails half-way.
The binaries come from ``tests/kube/build.sh`` (built from Go modules and cached outside the
repository); ``find_binaries()`` builds them when they are missing.

What the cluster is (and is not):

* Authorization is ``RBAC``, so tests can prove least privilege: the admin kubeconfig authenticates
  with a client certificate in ``system:masters``; ``kubeconfig_for_serviceaccount()`` mints a
  ServiceAccount token through the TokenRequest API and has no permissions beyond RBAC's defaults.
* There is no kube-controller-manager, scheduler or kubelet: nothing reconciles. Objects are stored and
  validated (admission included), ClusterIPs and NodePorts are allocated, but Deployments get no Pods,
  Services get no Endpoints/EndpointSlices, namespaces get no "default" ServiceAccount, nothing is
  garbage-collected and deleted Namespaces stay ``Terminating`` (no namespace controller). Use a fresh
  namespace per test instead of deleting namespaces. Pods, Nodes and EndpointSlices can be created
  directly (the ServiceAccount admission plugin is off, so Pods need no ServiceAccount), and their
  status set with ``apply()``.
* 410 Gone: ``compact()`` compacts etcd at its current revision. A watch that the apiserver serves from
  etcd (``watch_cache=False``) from an older resourceVersion then fails with 410 Expired. With the watch
  cache (the default, as in real clusters) watches are served from the cache's in-memory window, which
  etcd compaction does not shorten; the window restarts at the current revision when the apiserver
  restarts, so after ``restart_apiserver()`` a watch from a pre-restart resourceVersion is 410 Expired.
  ``etcd_compaction_interval`` turns on the apiserver's own periodic compaction (off by default, so
  tests are deterministic).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "tests" / "kube" / "build.sh"
CRD_DIR = REPO_ROOT / "deploy" / "crds"
#: Other projects' CRDs that sources read, a folder per project (each file says where it comes from).
#: Installed on demand (`install_project_crds`): Gloo's alone are 1.2 MB of schema, which would add
#: about 20 s to every test cluster's start on a busy machine. The small ones below (172 KB in all) are
#: installed with the cluster, as a cluster running those controllers has them.
PROJECT_CRD_DIR = REPO_ROOT / "tests" / "support" / "crds"
PROJECTS_AT_START = ("f5", "skipper", "openshift", "traefik")

#: Field manager used by ``KubeCluster.apply``.
FIELD_MANAGER = "zonekeeper-tests"
#: The ``--service-account-issuer`` (and so the default token audience) of every test cluster.
SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"
#: Identity of the admin client certificate.
ADMIN_USER = "zonekeeper-admin"
ADMIN_GROUP = "system:masters"

_LOG_TAIL_LINES = 60

_T = TypeVar("_T")

# Everything here is on 127.0.0.1: never let an http(s)_proxy from the environment intercept it.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class KubeHarnessError(RuntimeError):
    """The test cluster could not be built, started or driven."""


# --------------------------------------------------------------------------------------------------
# Binaries


def find_binaries(*, build: bool = True) -> tuple[Path, Path]:
    """Return the paths of ``(kube-apiserver, etcd)``.

    ``ZONEKEEPER_KUBE_APISERVER`` and ``ZONEKEEPER_ETCD`` override the paths (both or neither).
    Otherwise the versioned binaries built by ``tests/kube/build.sh`` are used; when they are missing
    and ``build`` is true the script is run (a cold build takes minutes), else this raises.
    """
    env_apiserver = os.environ.get("ZONEKEEPER_KUBE_APISERVER")
    env_etcd = os.environ.get("ZONEKEEPER_ETCD")
    if env_apiserver or env_etcd:
        if not (env_apiserver and env_etcd):
            raise KubeHarnessError("set both ZONEKEEPER_KUBE_APISERVER and ZONEKEEPER_ETCD, or neither")
        paths = (Path(env_apiserver), Path(env_etcd))
        for path in paths:
            if not os.access(path, os.X_OK):
                raise KubeHarnessError(f"{path} (from the environment) is not an executable file")
        return paths

    printed = _run_build_script("--print", capture=True).split()
    if len(printed) != 2:
        raise KubeHarnessError(f"{BUILD_SCRIPT} --print printed {printed!r}, expected two paths")
    apiserver, etcd = Path(printed[0]), Path(printed[1])
    if not (os.access(apiserver, os.X_OK) and os.access(etcd, os.X_OK)):
        if not build:
            raise KubeHarnessError(
                f"kube-apiserver/etcd are not built ({apiserver}, {etcd}); run: bash {BUILD_SCRIPT}"
            )
        _run_build_script(capture=False)
        if not (os.access(apiserver, os.X_OK) and os.access(etcd, os.X_OK)):
            raise KubeHarnessError(f"{BUILD_SCRIPT} succeeded but {apiserver} or {etcd} is missing")
    return apiserver, etcd


def _run_build_script(*args: str, capture: bool) -> str:
    bash = shutil.which("bash")
    if bash is None:
        raise KubeHarnessError("bash is needed to run tests/kube/build.sh")
    try:
        done = subprocess.run(
            [bash, str(BUILD_SCRIPT), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else sys.stderr,
            stderr=subprocess.PIPE if capture else sys.stderr,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise KubeHarnessError(f"cannot run {BUILD_SCRIPT}: {exc}") from exc
    if done.returncode != 0:
        detail = f":\n{done.stderr.strip()}" if capture and done.stderr else " (see its output above)"
        command = " ".join([str(BUILD_SCRIPT), *args])
        raise KubeHarnessError(f"{command} failed with exit code {done.returncode}{detail}")
    return done.stdout if capture else ""


# --------------------------------------------------------------------------------------------------
# Certificates and keys


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _new_cert(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    *,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
    ca: bool = False,
    server_names: Sequence[str] = (),
    client: bool = False,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    issuer_name, signing_key = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Backdated: the apiserver and the client may disagree on "now" by a little.
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, key_encipherment=False, key_cert_sign=False, crl_sign=False,
                content_commitment=False, data_encipherment=False, key_agreement=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if client else [ExtendedKeyUsageOID.SERVER_AUTH]
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if server_names:
        sans: list[x509.GeneralName] = []
        for name in server_names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                sans.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _write(path: Path, data: bytes | str, mode: int = 0o600) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(mode)
    return path


def _generate_pki(pki: Path) -> dict[str, Path]:
    """CA, apiserver serving cert, admin client cert and the ServiceAccount signing key (all ECDSA P-256:
    generating them takes milliseconds, RSA would take a noticeable part of the start-up)."""
    pki.mkdir(mode=0o700)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _new_cert(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "zonekeeper-test-ca")]), ca_key, ca=True
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _new_cert(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]),
        server_key,
        issuer=(ca_cert, ca_key),
        server_names=[
            "127.0.0.1", "::1", "localhost", "kubernetes", "kubernetes.default",
            "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
        ],
    )
    admin_key = ec.generate_private_key(ec.SECP256R1())
    admin_cert = _new_cert(
        x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ADMIN_GROUP),
            x509.NameAttribute(NameOID.COMMON_NAME, ADMIN_USER),
        ]),
        admin_key,
        issuer=(ca_cert, ca_key),
        client=True,
    )
    sa_key = ec.generate_private_key(ec.SECP256R1())
    pem = serialization.Encoding.PEM
    return {
        "ca": _write(pki / "ca.crt", ca_cert.public_bytes(pem), 0o644),
        "server_cert": _write(pki / "apiserver.crt", server_cert.public_bytes(pem), 0o644),
        "server_key": _write(pki / "apiserver.key", _pem_key(server_key)),
        "admin_cert": _write(pki / "admin.crt", admin_cert.public_bytes(pem), 0o644),
        "admin_key": _write(pki / "admin.key", _pem_key(admin_key)),
        "sa_key": _write(pki / "sa.key", _pem_key(sa_key)),
        "sa_pub": _write(
            pki / "sa.pub",
            sa_key.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo),
            0o644,
        ),
    }


# --------------------------------------------------------------------------------------------------
# Processes


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    tail = text.splitlines()[-lines:]
    return "\n".join(f"    {line}" for line in tail) if tail else "    (empty)"


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGKILL it when the test process dies, even by SIGKILL, so a
    killed test run does not leave etcd/kube-apiserver behind holding ports and memory."""
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class _Process:
    """A child process in its own process group, logging to a file."""

    def __init__(self, name: str, args: Sequence[str], log_path: Path) -> None:
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        with log_path.open("ab") as log:
            log.write(f"\n==> {time.strftime('%H:%M:%S')} starting: {' '.join(self.args)}\n".encode())
            log.flush()
            # PR_SET_PDEATHSIG fires when the *thread* that forked exits, so only use it from the
            # main thread (which lives as long as the test process).
            in_main_thread = threading.current_thread() is threading.main_thread()
            try:
                self.popen = subprocess.Popen(
                    self.args,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_die_with_parent if in_main_thread and sys.platform == "linux" else None,
                )
            except OSError as exc:
                raise KubeHarnessError(f"cannot start {name} ({self.args[0]}): {exc}") from exc

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self) -> str:
        return f"last lines of {self.log_path}:\n{_tail(self.log_path)}"

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL it after ``timeout`` seconds (at once if 0)."""
        if self.popen.poll() is None and timeout > 0:
            self._signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout)
        # Always sweep the group: a leader that exited may leave children behind.
        self._signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)


# --------------------------------------------------------------------------------------------------
# The cluster


class KubeCluster:
    """etcd + kube-apiserver on 127.0.0.1, as a context manager.

    >>> with KubeCluster() as cluster:
    ...     api = cluster.api_client()           # a kubernetes.client.ApiClient for the admin
    ...     cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t1"}})

    ``watch_cache`` is ``--watch-cache`` (see the module docstring for its effect on 410 Gone);
    ``etcd_compaction_interval`` (seconds, 0 = never) is ``--etcd-compaction-interval``;
    ``extra_apiserver_args`` are appended to the apiserver's command line (later flags win).
    ``audit`` writes an audit log (level Metadata: who did which verb on which resource, no bodies),
    read back with ``audit_events()`` -- e.g. to prove a ClusterRole grants exactly what a client calls.
    """

    def __init__(
        self,
        *,
        install_crds: bool = True,
        crd_dir: Path = CRD_DIR,
        watch_cache: bool = True,
        etcd_compaction_interval: float = 0.0,
        event_ttl: str = "1h",
        extra_apiserver_args: Sequence[str] = (),
        audit: bool = False,
        binaries: tuple[Path, Path] | None = None,
        build: bool = True,
        startup_timeout: float = 60.0,
        workdir_parent: Path | None = None,
        keep_workdir: bool = False,
    ) -> None:
        self._install_crds = install_crds
        self._crd_dir = crd_dir
        self._projects_installed: set[str] = set()
        self._watch_cache = watch_cache
        self._compaction_interval = etcd_compaction_interval
        self._event_ttl = event_ttl
        self._extra_args = list(extra_apiserver_args)
        self._audit = audit
        self._binaries = binaries
        self._build = build
        self._startup_timeout = startup_timeout
        self._workdir_parent = workdir_parent
        self._keep_workdir = keep_workdir or os.environ.get("ZONEKEEPER_KEEP_KUBE_WORKDIR") == "1"

        self._workdir: Path | None = None
        self._pki: dict[str, Path] = {}
        self._etcd: _Process | None = None
        self._apiserver: _Process | None = None
        self._apiserver_bin = Path()
        self._etcd_port = 0
        self._apiserver_port = 0
        self._admin_kubeconfig: Path | None = None
        self._api_client: Any = None
        self._dynamic: Any = None
        self._kubeconfigs = 0
        #: Seconds the last (re)start of kube-apiserver took until /readyz answered ok.
        self.apiserver_startup_seconds = 0.0

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> KubeCluster:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._workdir is not None:
            raise KubeHarnessError("this KubeCluster is already started")
        apiserver_bin, etcd_bin = self._binaries or find_binaries(build=self._build)
        self._workdir = Path(tempfile.mkdtemp(prefix="zonekeeper-kube-", dir=self._workdir_parent))
        try:
            self._pki = _generate_pki(self._workdir / "pki")
            self._start_etcd(etcd_bin)
            self._apiserver_bin = apiserver_bin
            for attempt in range(3):  # as for etcd: the free port may be taken before we bind it
                self._apiserver_port = _free_port()
                self._write_admin_kubeconfig()
                try:
                    self._start_apiserver()
                    break
                except KubeHarnessError:
                    if attempt == 2 or "address already in use" not in _tail(self.apiserver_log, 5):
                        raise
            if self._install_crds:
                self.install_crds(self._crd_dir)
                if self._crd_dir == CRD_DIR:
                    self.install_project_crds(*PROJECTS_AT_START)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop both processes and remove the work directory. Idempotent; never raises."""
        if self._api_client is not None:
            with contextlib.suppress(Exception):
                self._api_client.close()
            self._api_client = None
            self._dynamic = None
        for proc in (self._apiserver, self._etcd):
            if proc is not None:
                with contextlib.suppress(Exception):
                    proc.stop()
        self._apiserver = self._etcd = None
        self._pki = {}
        self._admin_kubeconfig = None
        if self._workdir is not None:
            if self._keep_workdir:
                print(f"KubeCluster: keeping {self._workdir}", file=sys.stderr)
            else:
                shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def restart_apiserver(self, *, graceful: bool = True) -> None:
        """Stop kube-apiserver and start it again on the same port against the same etcd.

        ``graceful`` sends SIGTERM (connections are closed as in a rolling restart); otherwise SIGKILL.
        Clients keep working with their kubeconfig; open watches end and must be re-established.
        """
        proc = self._require(self._apiserver, "kube-apiserver")
        proc.stop(timeout=30.0 if graceful else 0.0)
        self._apiserver = None
        self._start_apiserver()

    # -- accessors -------------------------------------------------------------------------------

    @property
    def workdir(self) -> Path:
        return self._require(self._workdir, "work directory")

    @property
    def server(self) -> str:
        """The apiserver's URL, e.g. ``https://127.0.0.1:40123``."""
        self._require(self._workdir, "cluster")
        return f"https://127.0.0.1:{self._apiserver_port}"

    @property
    def ca_file(self) -> Path:
        """PEM file of the CA that signed the apiserver's serving certificate."""
        return self._require(self._pki.get("ca"), "CA file")

    @property
    def admin_kubeconfig(self) -> Path:
        """Kubeconfig of a ``system:masters`` user (client certificate)."""
        return self._require(self._admin_kubeconfig, "admin kubeconfig")

    @property
    def etcd_url(self) -> str:
        self._require(self._etcd, "etcd")
        return f"http://127.0.0.1:{self._etcd_port}"

    @property
    def apiserver_log(self) -> Path:
        return self.workdir / "kube-apiserver.log"

    @property
    def etcd_log(self) -> Path:
        return self.workdir / "etcd.log"

    def api_client(self, kubeconfig: Path | None = None) -> Any:
        """A new ``kubernetes.client.ApiClient`` for ``kubeconfig`` (default: admin). Close it after use.

        It ignores http(s)_proxy from the environment: the cluster is on 127.0.0.1."""
        from kubernetes import client, config

        configuration = client.Configuration()
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig or self.admin_kubeconfig),
            client_configuration=configuration,
            persist_config=False,
        )
        configuration.proxy = None
        return client.ApiClient(configuration=configuration)

    @property
    def admin(self) -> Any:
        """A shared admin ``kubernetes.client.ApiClient`` (closed by ``stop()``)."""
        if self._api_client is None:
            self._api_client = self.api_client()
        return self._api_client

    @property
    def dynamic(self) -> Any:
        """A shared admin ``kubernetes.dynamic.DynamicClient`` (discovery cached in the work dir)."""
        if self._dynamic is None:
            from kubernetes.dynamic import DynamicClient

            self._dynamic = DynamicClient(  # type: ignore[no-untyped-call]
                self.admin, cache_file=str(self.workdir / "discovery.json")
            )
        return self._dynamic

    # -- credentials -----------------------------------------------------------------------------

    def kubeconfig_for_token(self, token: str, *, user: str = "token-user") -> Path:
        """Write a kubeconfig that authenticates with a bearer ``token``; return its path."""
        self._kubeconfigs += 1
        path = self.workdir / f"kubeconfig-{self._kubeconfigs}-{_safe(user)}.yaml"
        self._write_kubeconfig(path, user, {"token": token})
        return path

    def ensure_namespace(self, name: str) -> None:
        self.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def service_account_token(
        self,
        namespace: str,
        name: str,
        *,
        create: bool = True,
        expiration_seconds: int = 3600,
        audiences: Sequence[str] = (),
    ) -> str:
        """A token for ServiceAccount ``namespace/name`` from the TokenRequest API (creating the
        namespace and the ServiceAccount first when ``create``)."""
        from kubernetes import client

        if create:
            self.ensure_namespace(namespace)
            self.apply({
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": name, "namespace": namespace},
            })
        body = client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=list(audiences), expiration_seconds=expiration_seconds)
        )
        response = client.CoreV1Api(self.admin).create_namespaced_service_account_token(name, namespace, body)
        token = response.status.token if response.status else None
        if not token:
            raise KubeHarnessError(f"TokenRequest for {namespace}/{name} returned no token: {response!r}")
        return str(token)

    def kubeconfig_for_serviceaccount(
        self, namespace: str, name: str, *, create: bool = True, expiration_seconds: int = 3600
    ) -> Path:
        """Write a kubeconfig that authenticates as ServiceAccount ``namespace/name``; return its path.

        The ServiceAccount has only the permissions RBAC grants it (none, until a test binds a role).
        """
        token = self.service_account_token(
            namespace, name, create=create, expiration_seconds=expiration_seconds
        )
        return self.kubeconfig_for_token(token, user=f"system:serviceaccount:{namespace}:{name}")

    # -- objects ---------------------------------------------------------------------------------

    def apply(self, manifest: Mapping[str, Any] | Iterable[Mapping[str, Any]] | str | os.PathLike[str]
              ) -> list[dict[str, Any]]:
        """Create or update objects with server-side apply (field manager ``zonekeeper-tests``,
        conflicts forced); return them as the server stored them.

        ``manifest`` is one object, a list of objects (``kind: List`` is unpacked), or the path of a
        YAML file (several documents allowed). A ``status`` in a manifest is applied through the status
        subresource too (for kinds that have one), so tests can set ``status.loadBalancer`` and the like.
        Namespaced objects without a namespace go to ``default``.
        """
        return [self._apply_one(obj) for obj in _objects(manifest)]

    def apply_yaml(self, text: str) -> list[dict[str, Any]]:
        """``apply`` for YAML text (one or more documents)."""
        return self.apply([doc for doc in yaml.safe_load_all(text) if doc])

    def _apply_one(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        from kubernetes.dynamic.exceptions import ResourceNotFoundError

        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        metadata = obj.get("metadata") or {}
        name = metadata.get("name")
        if not (api_version and kind and name):
            raise KubeHarnessError(f"apply needs apiVersion, kind and metadata.name: {dict(obj)!r}")
        try:
            resource = self.dynamic.resources.get(api_version=api_version, kind=kind)
        except ResourceNotFoundError as exc:
            raise KubeHarnessError(f"the cluster does not serve {api_version} {kind}") from exc
        body = json.loads(json.dumps(obj))  # a deep, plain copy we may modify
        namespace = None
        if resource.namespaced:
            namespace = metadata.get("namespace") or "default"
            body["metadata"]["namespace"] = namespace
        status = body.pop("status", None)
        stored = self.dynamic.server_side_apply(
            resource, body=body, name=name, namespace=namespace,
            field_manager=FIELD_MANAGER, force_conflicts=True,
        )
        if status is not None and "status" in resource.subresources:
            status_meta = {"name": name, "namespace": namespace} if namespace else {"name": name}
            status_body = {"apiVersion": api_version, "kind": kind, "metadata": status_meta, "status": status}
            stored = self.dynamic.server_side_apply(
                resource.subresources["status"], body=status_body, name=name, namespace=namespace,
                field_manager=FIELD_MANAGER, force_conflicts=True,
            )
        return dict(stored.to_dict())

    def install_crds(self, crd_dir: Path = CRD_DIR, *, timeout: float = 30.0) -> list[str]:
        """Apply every ``*.yaml`` in ``crd_dir`` (and its folders) and wait until the CRDs are Established
        (and served)."""
        files = sorted(crd_dir.rglob("*.yaml"))
        if not files:
            raise KubeHarnessError(f"no CRD manifests (*.yaml) in {crd_dir}")
        names = [str(obj["metadata"]["name"]) for path in files for obj in self.apply(path)]
        self.wait_for_crds(names, timeout=timeout)
        return names

    def install_project_crds(self, *projects: str, timeout: float = 60.0) -> None:
        """Install the CRDs of `projects` (folders of ``tests/support/crds``), each once per cluster."""
        for project in projects:
            if project not in self._projects_installed:
                self.install_crds(PROJECT_CRD_DIR / project, timeout=timeout)
                self._projects_installed.add(project)

    def wait_for_crds(self, names: Sequence[str], *, timeout: float = 30.0) -> None:
        from kubernetes import client

        api = client.ApiextensionsV1Api(self.admin)
        deadline = time.monotonic() + timeout
        pending = list(names)
        while pending:
            for name in list(pending):
                crd = api.read_custom_resource_definition(name)
                conditions = {c.type: c for c in (crd.status.conditions or [])} if crd.status else {}
                established = conditions.get("Established")
                if established is not None and established.status == "True":
                    pending.remove(name)
                elif time.monotonic() > deadline:
                    detail = {t: (c.status, c.reason, c.message) for t, c in conditions.items()}
                    raise KubeHarnessError(f"CRD {name} not Established after {timeout:.0f} s: {detail}")
            if pending:
                time.sleep(0.1)
        # Discovery learns about new groups asynchronously; refresh it once they are all served.
        self.dynamic.resources.invalidate_cache()

    # -- etcd --------------------------------------------------------------------------------------

    def etcd_revision(self) -> int:
        """etcd's current revision (= the newest resourceVersion in the cluster)."""
        reply = self._etcd_call("/v3/kv/range", {"key": _b64("/"), "limit": 1, "count_only": True})
        return int(reply["header"]["revision"])

    def compact(self) -> int:
        """Compact etcd at its current revision (physically) and return that revision.

        Afterwards etcd rejects watches and reads below the revision, so the apiserver answers 410 Gone
        (reason Expired) to requests it serves from etcd: watches when ``watch_cache=False``, lists
        with ``resourceVersionMatch=Exact``. Equivalent to
        ``etcdctl --endpoints=<etcd_url> compaction --physical <rev>``; this uses etcd's v3 HTTP
        gateway: ``POST /v3/kv/compaction {"revision": <rev>, "physical": true}``.
        """
        revision = self.etcd_revision()
        self._etcd_call("/v3/kv/compaction", {"revision": str(revision), "physical": True})
        return revision

    def _etcd_call(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.etcd_url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with _NO_PROXY.open(request, timeout=10) as response:
                return dict(json.load(response))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise KubeHarnessError(f"etcd {path} failed: {exc.code} {detail}") from exc
        except OSError as exc:
            raise KubeHarnessError(f"etcd {path} failed: {exc}") from exc

    # -- internals -----------------------------------------------------------------------------------

    @staticmethod
    def _require(value: _T | None, what: str) -> _T:
        if value is None:
            raise KubeHarnessError(f"{what} is not available: the cluster is not running")
        return value

    def _start_etcd(self, etcd_bin: Path) -> None:
        data_dir = self.workdir / "etcd-data"
        last_error = ""
        for _attempt in range(3):  # a free port can be taken by someone else before etcd binds it
            client_port, peer_port = _free_port(), _free_port()
            client_url, peer_url = f"http://127.0.0.1:{client_port}", f"http://127.0.0.1:{peer_port}"
            shutil.rmtree(data_dir, ignore_errors=True)
            proc = _Process("etcd", [
                str(etcd_bin),
                "--name=zonekeeper-test",
                f"--data-dir={data_dir}",
                f"--listen-client-urls={client_url}",
                f"--advertise-client-urls={client_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=zonekeeper-test={peer_url}",
                "--initial-cluster-state=new",
                # Test data is disposable: skip fsync, it dominates write latency on CI disks.
                "--unsafe-no-fsync",
                "--log-level=warn",
            ], self.etcd_log)
            self._etcd, self._etcd_port = proc, client_port
            try:
                probe = functools.partial(_http_ok, f"{client_url}/health", b'"health":"true"')
                self._wait_until(proc, probe, 20.0)
                return
            except KubeHarnessError as exc:
                proc.stop()
                self._etcd = None
                last_error = str(exc)
                if "address already in use" not in self.etcd_log.read_text(errors="replace"):
                    break
        raise KubeHarnessError(last_error)

    def _apiserver_args(self) -> list[str]:
        pki = self._pki
        return [
            str(self._apiserver_bin),
            f"--etcd-servers={self.etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            # The lease reconciler refuses a loopback advertise address; nothing here needs the
            # endpoints of the "kubernetes" Service anyway.
            "--endpoint-reconciler-type=none",
            f"--secure-port={self._apiserver_port}",
            f"--tls-cert-file={pki['server_cert']}",
            f"--tls-private-key-file={pki['server_key']}",
            f"--client-ca-file={pki['ca']}",
            "--authorization-mode=RBAC",
            # Without a controller-manager no namespace gets its "default" ServiceAccount, and this
            # plugin would reject every Pod for lack of one. Pods here are data, never run.
            "--disable-admission-plugins=ServiceAccount",
            f"--service-account-issuer={SERVICE_ACCOUNT_ISSUER}",
            f"--service-account-key-file={pki['sa_pub']}",
            f"--service-account-signing-key-file={pki['sa_key']}",
            "--service-cluster-ip-range=10.96.0.0/16",
            f"--event-ttl={self._event_ttl}",
            f"--watch-cache={str(self._watch_cache).lower()}",
            f"--etcd-compaction-interval={_duration(self._compaction_interval)}",
            # Never write to /var/run/kubernetes (the default --cert-dir).
            f"--cert-dir={self.workdir / 'apiserver-certs'}",
            "--profiling=false",
            "--v=1",
            *self._audit_args(),
            *self._extra_args,
        ]

    def _audit_args(self) -> list[str]:
        if not self._audit:
            return []
        policy = _write(self.workdir / "audit-policy.yaml", _AUDIT_POLICY)
        # Blocking mode: an event is on disk before the response is sent, so a test can read it at once.
        return [f"--audit-policy-file={policy}", f"--audit-log-path={self.audit_log}", "--audit-log-mode=blocking",
                "--audit-log-format=json"]

    @property
    def audit_log(self) -> Path:
        return self.workdir / "audit.log"

    def audit_events(self, username: str | None = None) -> list[dict[str, Any]]:
        """The audit events so far (``audit=True``), optionally only those of ``username``
        (a ServiceAccount is ``system:serviceaccount:<namespace>:<name>``)."""
        if not self._audit:
            raise KubeHarnessError("this KubeCluster was started without audit=True")
        events = []
        text = ""
        with contextlib.suppress(FileNotFoundError):
            text = self.audit_log.read_text()
        # The apiserver may be half-way through writing the last line: only whole lines are events.
        complete, _, _ = text.rpartition("\n")
        for line in complete.splitlines():
            if not line.strip():
                continue
            event = json.loads(line)
            if username is None or event.get("user", {}).get("username") == username:
                events.append(event)
        return events

    def _start_apiserver(self) -> None:
        started = time.monotonic()
        proc = _Process("kube-apiserver", self._apiserver_args(), self.apiserver_log)
        self._apiserver = proc
        context = self._admin_ssl_context()
        try:
            self._wait_until(
                proc, lambda: _http_ok(f"{self.server}/readyz", b"ok", context), self._startup_timeout
            )
        except BaseException:
            proc.stop()
            self._apiserver = None
            raise
        self.apiserver_startup_seconds = time.monotonic() - started

    def _wait_until(self, proc: _Process, ready: Callable[[], tuple[bool, str]], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            if not proc.alive():
                raise KubeHarnessError(
                    f"{proc.name} exited with code {proc.popen.returncode} during start-up; {proc.log_tail()}"
                )
            ok, last = ready()
            if ok:
                return
            if time.monotonic() > deadline:
                raise KubeHarnessError(
                    f"{proc.name} (pid {proc.pid}) not ready after {timeout:.0f} s (last probe: {last}); "
                    f"{proc.log_tail()}"
                )
            time.sleep(0.05)

    def admin_ssl_context(self) -> ssl.SSLContext:
        """TLS for a raw HTTP client as the cluster admin (benchmarks that bypass the Kubernetes client)."""
        return self._admin_ssl_context()

    def _admin_ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self._pki["ca"]))
        context.load_cert_chain(str(self._pki["admin_cert"]), str(self._pki["admin_key"]))
        return context

    def _write_admin_kubeconfig(self) -> None:
        path = self.workdir / "admin.kubeconfig"
        self._write_kubeconfig(path, ADMIN_USER, {
            "client-certificate": str(self._pki["admin_cert"]),
            "client-key": str(self._pki["admin_key"]),
        })
        self._admin_kubeconfig = path

    def _write_kubeconfig(self, path: Path, user: str, credentials: Mapping[str, str]) -> None:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "zonekeeper-test", "cluster": {
                "server": self.server, "certificate-authority": str(self._pki["ca"]),
            }}],
            "users": [{"name": user, "user": dict(credentials)}],
            "contexts": [
                {"name": "zonekeeper-test", "context": {"cluster": "zonekeeper-test", "user": user}},
            ],
            "current-context": "zonekeeper-test",
        }
        _write(path, yaml.safe_dump(config, sort_keys=False))


_AUDIT_POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
"""


# --------------------------------------------------------------------------------------------------
# Helpers


def _objects(manifest: Mapping[str, Any] | Iterable[Mapping[str, Any]] | str | os.PathLike[str]
             ) -> Iterator[Mapping[str, Any]]:
    items: Iterable[Any]
    if isinstance(manifest, Mapping):
        items = [manifest]
    elif isinstance(manifest, str | os.PathLike):
        path = Path(manifest)
        try:
            with path.open() as fh:
                items = [doc for doc in yaml.safe_load_all(fh) if doc]
        except OSError as exc:
            raise KubeHarnessError(f"cannot read manifest {path}: {exc}") from exc
    else:
        items = manifest
    for item in items:
        if not isinstance(item, Mapping):
            raise KubeHarnessError(f"a manifest must be a mapping, got {type(item).__name__}: {item!r}")
        if item.get("kind") == "List":
            yield from _objects(item.get("items") or [])
        else:
            yield item


def _http_ok(url: str, expect: bytes, context: ssl.SSLContext | None = None) -> tuple[bool, str]:
    try:
        opener = _NO_PROXY if context is None else urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
        )
        with opener.open(url, timeout=2) as response:
            body: bytes = response.read()
            return expect in body, f"{response.status} {body[:200]!r}"
    except urllib.error.HTTPError as exc:
        body = exc.read()
        # /readyz lists the failing checks ("[-]poststarthook/... failed") in its 500 body.
        failing = [line for line in body.decode(errors="replace").splitlines() if line.startswith("[-]")]
        return False, f"{exc.code} {'; '.join(failing) or body[:200]!r}"
    except (OSError, ValueError) as exc:
        return False, str(exc)


def _duration(seconds: float) -> str:
    return f"{seconds:g}s"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)


__all__ = [
    "ADMIN_GROUP",
    "ADMIN_USER",
    "CRD_DIR",
    "FIELD_MANAGER",
    "SERVICE_ACCOUNT_ISSUER",
    "KubeCluster",
    "KubeHarnessError",
    "find_binaries",
]
