"""Watching the processes a command starts (Linux /proc): the Spark JVMs it launches, the TCP ports they listen on."""

import contextlib
import ipaddress
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_POLL_INTERVAL_S = 0.05
_TCP_LISTEN = "0A"  # the state column of /proc/net/tcp{,6}


def _parent(pid: int) -> int:
    """The parent pid (0 once the process is gone)."""
    try:
        # The command name may contain spaces and parentheses: the parent pid follows the last ')'.
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return 0


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        pid = int(stat.parent.name)
        children.setdefault(_parent(pid), []).append(pid)
    return children


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, their children, ...), from /proc."""
    tree = _children_by_parent()
    found, todo = set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _is_spark_jvm(pid: int) -> bool:
    """A Spark driver JVM: java whose main class is SparkSubmit.

    ``spark-submit`` first runs a short-lived ``org.apache.spark.launcher.Main`` JVM that only prints the real
    command line (with SparkSubmit among its arguments); that helper is not a Spark JVM and is not counted.
    """
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    main_class = next((arg for arg in args if arg.startswith(b"org.apache.spark.")), None)
    return b"java" in args[0] and main_class == b"org.apache.spark.deploy.SparkSubmit"


def _run_watching(
    command: list[str],
    env: dict[str, str],
    watch: Callable[[set[int]], None],
    timeout_s: float = 600,
    cwd: Path | None = None,
    stdin: str = "",
) -> subprocess.CompletedProcess:
    """Run ``command`` in ``cwd`` with ``stdin`` as its input to completion (stdout and stderr together in
    ``stdout``), calling ``watch`` with the pids of its process tree, itself included, every 50 ms."""
    # Files, not pipes: this loop reads nothing until the end, and a child that filled a pipe's 64 KB would block.
    with tempfile.TemporaryFile(mode="w+") as log, tempfile.TemporaryFile(mode="w+") as input_file:
        input_file.write(stdin)
        input_file.seek(0)
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdin=input_file, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + timeout_s
        while process.poll() is None:
            if time.monotonic() > deadline:
                # The whole tree: a shell's kill alone would leave its children (a Spark run) orphaned and running.
                for pid in [process.pid, *descendants(process.pid)]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                process.wait()
                raise TimeoutError(f"{command} did not finish in {timeout_s} s")
            watch({process.pid} | descendants(process.pid))
            time.sleep(_POLL_INTERVAL_S)
        log.seek(0)
        output = log.read()
    return subprocess.CompletedProcess(command, process.returncode, output, "")


def run_counting_spark_jvms(
    command: list[str], env: dict[str, str], timeout_s: float = 600, cwd: Path | None = None, stdin: str = ""
) -> tuple[subprocess.CompletedProcess, int]:
    """Run ``command`` (in ``cwd``, with ``stdin`` as its input) to completion and return it with the number of
    distinct Spark JVMs it started.

    A JVM lives for seconds at least, so polling every 50 ms cannot miss one.
    """
    jvms: set[int] = set()

    def watch(pids: set[int]) -> None:
        # A process the JVM is starting (a Python worker) shows the JVM's command line until it execs; on a loaded
        # machine a poll can catch it: a Spark JVM whose parent is one is not another JVM.
        jvms.update(pid for pid in pids if _is_spark_jvm(pid) and not _is_spark_jvm(_parent(pid)))

    completed = _run_watching(command, env, watch, timeout_s, cwd, stdin)
    return completed, len(jvms)


@dataclass(frozen=True)
class ListeningSocket:
    program: str
    """The listening process's command name (/proc/<pid>/comm): java, python, ..."""
    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: int

    def is_loopback(self) -> bool:
        # A Java socket bound to 127.0.0.1 is often an IPv6 one, listed as ::ffff:127.0.0.1.
        mapped = self.address.ipv4_mapped if isinstance(self.address, ipaddress.IPv6Address) else None
        return (mapped or self.address).is_loopback


def run_recording_listening_sockets(
    command: list[str], env: dict[str, str], timeout_s: float = 600
) -> tuple[subprocess.CompletedProcess, set[ListeningSocket]]:
    """Run ``command`` to completion and return it with every TCP socket its process tree listened on.

    Servers that live for the whole run are always seen; one that listens for less than the 50 ms between two
    looks can be missed.
    """
    seen: set[ListeningSocket] = set()
    completed = _run_watching(command, env, lambda pids: seen.update(_listening_sockets(pids)), timeout_s)
    return completed, seen


def _listening_sockets(pids: set[int]) -> set[ListeningSocket]:
    """The listening TCP sockets the processes ``pids`` hold: the kernel's table of listening sockets, matched by
    inode to the processes' file descriptors. The processes share this process's network namespace."""
    listening = _listening_by_inode()
    found: set[ListeningSocket] = set()
    for pid in pids:
        try:
            program = Path(f"/proc/{pid}/comm").read_text().strip()
            inodes = _socket_inodes(pid)
        except OSError:  # the process exited meanwhile
            continue
        found.update(ListeningSocket(program, *listening[inode]) for inode in inodes & listening.keys())
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    return inodes


def _listening_by_inode() -> dict[str, tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]]:
    """inode -> (address, port) of the listening TCP sockets of this network namespace."""
    listening = {}
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == _TCP_LISTEN:
                address, port = local.split(":")
                listening[inode] = (_kernel_address(address), int(port, 16))
    return listening


def _kernel_address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address as /proc/net/tcp{,6} writes it: hex of 32-bit words, each in the host's (little-endian) order."""
    packed = bytes.fromhex(hex_address)
    return ipaddress.ip_address(b"".join(packed[i : i + 4][::-1] for i in range(0, len(packed), 4)))
