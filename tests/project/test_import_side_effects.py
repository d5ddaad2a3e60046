"""Importing any module of :mod:`lukhas` does nothing but define things.

One fresh interpreter imports every module under ``lukhas`` (and every LUKHAS
alias path) and records what the imports alone did: threads started, event
loops created, Prometheus metrics registered in the default registry,
``LUKHAS_*`` environment variables read, Numba kernels compiled.  The only
allowed effect is the contract's one import-time read: the consciousness
ticker's module global ``LANE`` (``LUKHAS_LANE``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

_PROBE = textwrap.dedent(
    r'''
    import asyncio.base_events, importlib, json, os, pkgutil, sys, threading
    from collections.abc import MutableMapping

    record = {"threads": [], "loops": 0, "env": [], "failed": [], "skipped": [],
              "metrics": [], "compiled": []}

    def importing_module():
        """The lukhas module whose body (not a function it called) is running."""
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_globals.get("__name__", "")
            if frame.f_code.co_name == "<module>" and (
                    name == "lukhas" or name.startswith("lukhas.")):
                return name
            frame = frame.f_back
        return None

    class RecordingEnviron(MutableMapping):
        def __init__(self, env):
            self._env = env
        def _note(self, key):
            if isinstance(key, str) and key.startswith("LUKHAS_"):
                record["env"].append([key, importing_module()])
        def __getitem__(self, key):
            self._note(key)
            return self._env[key]
        def __contains__(self, key):
            self._note(key)
            return key in self._env
        def __setitem__(self, key, value):
            self._env[key] = value
        def __delitem__(self, key):
            del self._env[key]
        def __iter__(self):
            return iter(self._env)
        def __len__(self):
            return len(self._env)
        def copy(self):
            return dict(self._env)

    os.environ = RecordingEnviron(os.environ)

    start = threading.Thread.start
    def recording_start(self, *args, **kwargs):
        record["threads"].append(self.name)
        return start(self, *args, **kwargs)
    threading.Thread.start = recording_start

    loop_init = asyncio.base_events.BaseEventLoop.__init__
    def recording_loop_init(self, *args, **kwargs):
        record["loops"] += 1
        return loop_init(self, *args, **kwargs)
    asyncio.base_events.BaseEventLoop.__init__ = recording_loop_init

    try:
        import prometheus_client
    except ImportError:
        prometheus_client = None
    def metric_names():
        if prometheus_client is None:
            return set()
        return {m.name for m in prometheus_client.REGISTRY.collect()}
    metrics_before = metric_names()

    import lukhas
    from lukhas import _lanes

    names = [info.name for info in pkgutil.walk_packages(lukhas.__path__, "lukhas.")
             if not info.name.endswith("__main__")]
    names += sorted(_lanes.ALIASES)
    # Kernel modules last: the APIs import them on first use, never at import.
    names.sort(key=lambda n: n.startswith("lukhas._kernels.") and n != "lukhas._kernels._codes")
    for name in names:
        if name.startswith("lukhas._kernels.") and "numba_before_kernels" not in record:
            record["numba_before_kernels"] = "numba" in sys.modules
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:  # an optional third-party dependency
            if err.name and err.name.split(".")[0] in {"lukhas", *_lanes.LANES}:
                record["failed"].append([name, repr(err)])
            else:
                record["skipped"].append([name, err.name])
        except Exception as err:
            record["failed"].append([name, repr(err)])

    record["metrics"] = sorted(metric_names() - metrics_before)
    try:
        from numba.core.dispatcher import Dispatcher
    except ImportError:
        Dispatcher = None
    if Dispatcher is not None:
        for mod_name, mod in list(sys.modules.items()):
            if mod_name.startswith("lukhas."):
                for attr, value in vars(mod).items():
                    if isinstance(value, Dispatcher) and value.signatures:
                        record["compiled"].append(f"{mod_name}.{attr}")
    record["imported"] = len(names)
    print(json.dumps(record))
    '''
)

#: The contract's one import-time environment read (``ConsciousnessTicker``'s ``LANE``).
_ALLOWED_ENV_READS = {("LUKHAS_LANE", "lukhas.domain.consciousness.ticker")}
#: Kernel modules build their Numba decorators when they are imported, which the
#: APIs do on first use of a kernel (checked by ``numba_before_kernels``).
_KERNEL_ENV_READS = {"LUKHAS_NUMBA_CACHE", "LUKHAS_NUMBA_PARALLEL"}


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         check=False, timeout=300)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["imported"] > 100
    return result


def test_every_module_imports(record: dict[str, Any]) -> None:
    assert record["failed"] == []


def test_imports_start_no_thread(record: dict[str, Any]) -> None:
    assert record["threads"] == []


def test_imports_create_no_event_loop(record: dict[str, Any]) -> None:
    assert record["loops"] == 0


def test_imports_register_no_prometheus_metric(record: dict[str, Any]) -> None:
    pytest.importorskip("prometheus_client")
    assert record["metrics"] == []


def test_imports_read_no_lukhas_setting_but_the_tickers_lane(record: dict[str, Any]) -> None:
    reads = {(key, module) for key, module in record["env"]
             if not (key in _KERNEL_ENV_READS and module.startswith("lukhas._kernels."))}
    assert reads <= _ALLOWED_ENV_READS


def test_only_kernel_modules_load_numba(record: dict[str, Any]) -> None:
    assert record["numba_before_kernels"] is False


def test_imports_compile_no_kernel(record: dict[str, Any]) -> None:
    assert record["compiled"] == []
