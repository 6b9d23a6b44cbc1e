"""Watching the processes a command starts, to count the Spark JVMs it launches (Linux /proc)."""

import subprocess
import time
from pathlib import Path


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may contain spaces and parentheses: the parent pid follows the last ')'.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def _descendants(pid: int) -> set[int]:
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


def run_counting_spark_jvms(
    command: list[str], env: dict[str, str], timeout_s: float = 600
) -> tuple[subprocess.CompletedProcess, int]:
    """Run ``command`` to completion and return it with the number of distinct Spark JVMs it started.

    A JVM lives for seconds at least, so polling every 50 ms cannot miss one.
    """
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    jvms: set[int] = set()
    deadline = time.monotonic() + timeout_s
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError(f"{command} did not finish in {timeout_s} s")
        jvms |= {pid for pid in _descendants(process.pid) if _is_spark_jvm(pid)}
        time.sleep(0.05)
    output = process.stdout.read() if process.stdout else ""
    return subprocess.CompletedProcess(command, process.returncode, output, ""), len(jvms)
