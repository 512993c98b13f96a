"""A RabbitMQ node of the test's own, on free ports, for tests that stop the broker.

Never the shared node: this one has its own name, ports and data directory (removed at
the end), no plugins, and is stopped and started with ``rabbitmqctl stop_app`` /
``start_app`` (the port closes and opens as in an outage; the node stays up).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.http import free_port

BIN = Path("/usr/lib/rabbitmq/bin")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class OwnRabbit:
    node: str
    port: int
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [str(BIN / "rabbitmqctl"), "-n", self.node, *args],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def wait(self, up: bool, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while _answers(self.port) != up:
            if time.monotonic() > deadline:
                raise RuntimeError(f"RabbitMQ node {self.node} not {'up' if up else 'down'}")
            time.sleep(0.2)

    def stop(self) -> None:
        self._ctl("stop_app")
        self.wait(up=False)

    def start(self) -> None:
        self._ctl("start_app")
        self.wait(up=True)


@contextmanager
def own_rabbitmq() -> Iterator[OwnRabbit]:
    root = Path(tempfile.mkdtemp(prefix="encaisse-rabbit-"))
    node = f"encaisse-test-{uuid.uuid4().hex[:8]}@localhost"
    port = free_port()
    (root / "enabled_plugins").write_text("[].\n")
    env = dict(
        os.environ,
        RABBITMQ_NODENAME=node,
        RABBITMQ_NODE_PORT=str(port),
        RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
        RABBITMQ_DIST_PORT=str(free_port()),
        RABBITMQ_MNESIA_BASE=str(root / "mnesia"),
        RABBITMQ_LOG_BASE=str(root / "log"),
        RABBITMQ_ENABLED_PLUGINS_FILE=str(root / "enabled_plugins"),
        RABBITMQ_CONFIG_FILE=str(root / "rabbitmq"),
        RABBITMQ_ADVANCED_CONFIG_FILE=str(root / "advanced.config"),
        RABBITMQ_CONF_ENV_FILE=str(root / "rabbitmq-env.conf"),
    )
    server = subprocess.Popen(
        [str(BIN / "rabbitmq-server")],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rabbit = OwnRabbit(node, port, env)
    try:
        rabbit.wait(up=True)
        yield rabbit
    finally:
        try:
            subprocess.run(
                [str(BIN / "rabbitmqctl"), "-n", node, "stop"],
                env=env,
                capture_output=True,
                timeout=60,
            )
            server.wait(30)
        except Exception:
            server.kill()
        shutil.rmtree(root, ignore_errors=True)
