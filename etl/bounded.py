"""Reading untrusted files in a child process with a memory and a time limit.

A workbook of 17 MB can unpack to a gigabyte of XML; read inside the web server, it takes the
server (and every user's page) down with it. Here the reading runs in a fresh interpreter whose
address space is capped (RLIMIT_AS) and whose wall-clock time is bounded: a file over a limit
ends only the child, and the caller gets one German sentence naming the limit. The child is
started with `subprocess` (fork+exec), never `os.fork`, so a multi-threaded server is safe.

The child's answer comes back as a pickle that only our own classes, plain containers and
dates may appear in: a child taken over by a hostile file cannot make the parent run code.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass, is_dataclass
from pathlib import Path
from typing import Any

from zielcockpit.settings import Settings

MEMORY_EXIT = 3  # the child ran out of memory inside Python (MemoryError)
CRASH_EXIT = 4  # any other exception in the child: a bug, its traceback on stderr
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class ReadLimits:
    """The bounds of reading one file: settings ZIELCOCKPIT_READ_MEMORY_MB, _READ_SECONDS and
    _ZIP_RATIO (declared in zielcockpit/settings.py)."""

    memory_mb: int
    seconds: float
    zip_ratio: float

    @classmethod
    def of(cls, settings: Settings | None = None) -> ReadLimits:
        s = settings or Settings.resolve()
        return cls(s.read_memory_mb, s.read_seconds, s.zip_ratio)


class LimitExceeded(Exception):
    """Reading stopped at a limit (or the reader died); the message is German."""


def memory_message(limits: ReadLimits) -> str:
    return (
        f"Die Datei braucht beim Lesen mehr als {limits.memory_mb} MB Arbeitsspeicher "
        "(Grenze ZIELCOCKPIT_READ_MEMORY_MB) und wurde nicht gelesen; nichts wurde geschrieben. "
        "Bitte leere Zeilen und Spalten löschen oder die Datei in mehrere Dateien aufteilen."
    )


def time_message(limits: ReadLimits) -> str:
    return (
        f"Das Lesen der Datei dauerte länger als {limits.seconds:g} Sekunden (Grenze "
        "ZIELCOCKPIT_READ_SECONDS) und wurde abgebrochen; nichts wurde geschrieben. Bitte leere "
        "Zeilen und Spalten löschen oder die Datei in mehrere Dateien aufteilen."
    )


def run_bounded(target: str, data: bytes, args: tuple[Any, ...], limits: ReadLimits) -> Any:
    """`module:function`(data, *args) in a child process under `limits`; its return value.

    Raises LimitExceeded when the child needs more memory or time than allowed, or dies."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    command = [
        sys.executable,
        "-m",
        "etl.bounded",
        str(limits.memory_mb * 1024 * 1024),
        str(int(limits.seconds) + 1),
    ]
    try:
        done = subprocess.run(
            command,
            input=pickle.dumps((target, args, data), protocol=pickle.HIGHEST_PROTOCOL),
            capture_output=True,
            timeout=limits.seconds,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed and reaped the child
        raise LimitExceeded(time_message(limits)) from exc
    code = done.returncode
    if code == -signal.SIGXCPU:
        raise LimitExceeded(time_message(limits))
    if code == MEMORY_EXIT or code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
        # Rust aborts when an allocation fails; the kernel kills with SIGKILL when out of memory.
        raise LimitExceeded(memory_message(limits))
    if code != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1][:160]
        raise LimitExceeded(
            f"Die Datei ließ sich nicht lesen (das Lesen brach ab: {last or f'Code {code}'}). "
            "Bitte in Excel öffnen, als .xlsx speichern und erneut hochladen."
        )
    return _SafeUnpickler(io.BytesIO(done.stdout)).load()


class _SafeUnpickler(pickle.Unpickler):
    """Only what a reading returns: our own dataclasses, containers, numbers, texts, dates."""

    _BUILTINS = frozenset(
        {"frozenset", "set", "list", "dict", "tuple", "str", "bytes", "int", "float", "bool"}
    )
    _DATETIME = frozenset({"date", "datetime", "time", "timedelta", "timezone"})

    def find_class(self, module: str, name: str) -> Any:
        if (
            (module == "builtins" and name in self._BUILTINS)
            or (module == "datetime" and name in self._DATETIME)
            or (module == "decimal" and name == "Decimal")
        ):
            return super().find_class(module, name)
        if module.startswith(("etl.", "zielcockpit.")):
            found = super().find_class(module, name)
            # our records only (dataclasses, named tuples): never a function the answer could call
            if isinstance(found, type) and (is_dataclass(found) or issubclass(found, tuple)):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a reading's answer")


def _peak_address_space() -> int:
    """The highest address space this process had (Linux: VmPeak), 0 where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child() -> None:
    memory, cpu_seconds = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    try:
        target, args, data = pickle.load(sys.stdin.buffer)
        module, function = target.split(":")
        result = getattr(importlib.import_module(module), function)(data, *args)
        if _peak_address_space() > memory * 0.97:
            # At the ceiling: an allocation failed, even if a reader caught the MemoryError
            # and answered „not readable“ (openpyxl's callers catch every exception).
            raise MemoryError
        answer = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        os._exit(MEMORY_EXIT)
    except Exception:  # noqa: BLE001 - reported to the parent by the exit code and stderr
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(CRASH_EXIT)
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _child()
