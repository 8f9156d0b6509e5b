"""Helpers shared by the test suites: free ports, fresh databases, and real child processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


CALCULATOR_TOOLS = [{"type": "function", "function": {"name": "calculator", "description": "Arithmetic",
                                                      "parameters": {"type": "object",
                                                                     "properties": {"expression": {"type": "string"}}}}}]


def calculator_conversation(thinking: bool = False) -> list[dict[str, Any]]:
    """A Hebrew question, a calculator call and its result, the answer and a follow-up: what a chat template
    must render; with `thinking` the assistant turns carry their `<think>` blocks."""
    return [
        {"role": "user", "content": "כמה זה 6*7?"},
        {"role": "assistant", "content": "<think>\nשש כפול שבע\n</think>\n\n" if thinking else "", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "calculator", "arguments": '{"expression": "6*7"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"result": 42}'},
        {"role": "assistant", "content": "<think>got it</think>42." if thinking else "42."},
        {"role": "user", "content": "ועכשיו?"},
    ]


def write_gguf(path: Path, template: str | None) -> Path:
    """A metadata-only GGUF file (with `tokenizer.chat_template` when given), written with the `gguf` package."""
    from gguf import GGUFWriter

    writer = GGUFWriter(path, arch="llama")
    if template is not None:
        writer.add_chat_template(template)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database() -> str:
    """A new empty PostgreSQL database; returns its URL."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_http(url: str, timeout_s: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 2xx; fail early if `proc` died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


@dataclass
class Child:
    """A child process started in its own process group, with its output in a log file."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    cwd: Path = ROOT

    def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.args, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def ensure(script: str) -> str:
    """Run scripts/ensure_*.sh (built or fetched once, then cached) and return the path it prints."""
    return subprocess.run([str(ROOT / "scripts" / script)], capture_output=True, text=True, check=True).stdout.strip()


def start_llama(log_dir: Path, template_out: Path, **settings: str) -> tuple[str, Child]:
    """The real CPU llama-server on the small model, started by llama_entrypoint.sh with one slot on a free
    port; `settings` are the entrypoint's variables (CHAT_TEMPLATE, CONTEXT_SIZE, REASONING_BUDGET, …)."""
    model = Path(ensure("ensure_small_model.sh"))
    port = free_port()
    env = {**os.environ, "LLAMA_SERVER_BIN": ensure("ensure_llama_server.sh"), "LOCAL_MODEL_PATH": str(model.parent),
           "HF_FILE": model.name, "LLAMA_HOST": "127.0.0.1", "LLAMA_PORT": str(port), "LLAMA_PARALLEL": "1",
           "RENDERED_TEMPLATE": str(template_out), **settings}
    child = Child([str(ROOT / "llama_entrypoint.sh")], env, log_dir / f"llama-{port}.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/health", 300, child.proc)
    except Exception:
        child.stop()
        raise
    return url, child


@dataclass
class Upstream:
    url: str
    child: Child

    def stats(self) -> dict:
        return httpx.get(self.url + "/_stats", timeout=5).json()

    def reset(self) -> None:
        httpx.post(self.url + "/_reset", timeout=5)

    def release(self) -> None:
        """Let the `[hold]` requests answer."""
        httpx.post(self.url + "/_release", timeout=5)


def start_upstream(log_dir: Path, name: str = "upstream", port: int | None = None, slots: int = 0) -> Upstream:
    """The scripted upstream; `slots` > 0 makes it a llama-server stand-in with that many slots."""
    port = port or free_port()
    child = Child([sys.executable, "-m", "tests.fake_upstream", "--port", str(port), "--name", name, "--slots", str(slots)],
                  dict(os.environ), log_dir / f"{name}-{port}.log").start()
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/health", 30, child.proc)
    return Upstream(url, child)


@dataclass
class Gateway:
    """A real `python -m gateway` process."""

    proxy_url: str
    admin_url: str
    admin_pass: str
    frontend_key: str
    database_url: str
    child: Child
    env: dict[str, str] = field(default_factory=dict)

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.admin_url, headers={"X-API-KEY": self.admin_pass}, timeout=30)

    def create_key(self, **fields) -> dict:
        with self.admin() as client:
            resp = client.put("/api/key-management/keys", json={"name": "test", **fields})
        resp.raise_for_status()
        return resp.json()


def start_gateway(log_dir: Path, database_url: str, llama_url: str, redis_url: str = "", redis_prefix: str = "",
                  code: Path = ROOT, **extra_env: str) -> Gateway:
    """Start a gateway (from the source tree `code`) on free ports and wait until both APIs answer."""
    proxy_port, admin_port = free_port(), free_port()
    admin_pass = "test-admin-" + uuid.uuid4().hex[:8]
    frontend_key = "sk-test-frontend-" + uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": redis_prefix or f"test:{uuid.uuid4().hex[:8]}:",
        "LLAMA_URL": llama_url,
        "ADMIN_PASS": admin_pass,
        "FRONTEND_API_KEY": frontend_key,
        "BRICKSLLM_PROXY_PORT": str(proxy_port),
        "BRICKSLLM_ADMIN_PORT": str(admin_port),
        "SPOOL_DIR": str(log_dir / f"spool-{proxy_port}"),
        "EVENT_FLUSH_INTERVAL_S": "0.2",
        **extra_env,
    }
    child = Child([sys.executable, "-m", "gateway"], env, log_dir / f"gateway-{proxy_port}.log", cwd=code).start()
    proxy_url, admin_url = f"http://127.0.0.1:{proxy_port}", f"http://127.0.0.1:{admin_port}"
    try:
        wait_http(admin_url + "/api/health", 90, child.proc)
        wait_http(proxy_url + "/api/health", 30, child.proc)
    except Exception as exc:
        child.stop()
        raise RuntimeError(f"gateway did not start: {exc}\n{child.log()[-3000:]}") from exc
    return Gateway(proxy_url, admin_url, admin_pass, frontend_key, database_url, child, env)


class TcpRelay:
    """A TCP relay to a real server that a test can cut and restore, to simulate an outage."""

    def __init__(self, target_host: str, target_port: int) -> None:
        import threading

        self.target = (target_host, target_port)
        self.port = free_port()
        self._up = threading.Event()
        self._up.set()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while not self._stop:
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        self._up.clear()
        with self._lock:
            for s in self._conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self._conns.clear()

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self._stop = True
        self.cut()
        self._server.close()
