"""Escape attempts against the sandbox itself (static screening off): each is contained.

Every namespace backend that works on this machine is exercised; the fork and
memory bombs are bounded by small limits and short timeouts so they never load
the host.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from lukhas.tools.code_executor import CodeExecutor, _sandbox, available_backends

NAMESPACED = [b for b in available_backends() if b != "none"]
ALL = list(available_backends())

needs_namespace = pytest.mark.skipif(not NAMESPACED, reason="no namespace sandbox on this host")


def _skip_unconfined(backend: str) -> None:
    """Without namespaces, only root (which runs the sandbox as nobody) confines files."""
    if backend == "none" and os.geteuid() != 0:
        pytest.skip("isolation='none' as a non-root user shares the user's files and /proc")


def _executor(backend: str, **kw: object) -> CodeExecutor:
    kw.setdefault("execution_timeout", 10)
    if backend == "none":
        kw["enable_network"] = True  # "none" cannot block it, so it must be asked for
    return CodeExecutor(isolation=backend, screen=False, enable_filesystem=True,
                        **kw)  # type: ignore[arg-type]


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry))
    return found


@needs_namespace
@pytest.mark.asyncio
@pytest.mark.parametrize("backend", NAMESPACED)
async def test_network_is_unreachable(backend: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)
        port = server.getsockname()[1]
        code = (
            "import socket\n"
            "for host in ('127.0.0.1', '1.1.1.1'):\n"
            "    try:\n"
            f"        socket.create_connection((host, {port}), timeout=1)\n"
            "        print('CONNECTED', host)\n"
            "    except OSError as err:\n"
            "        print('blocked', host, err.errno)\n"
        )
        result = await _executor(backend).execute_python(code)
        with pytest.raises(TimeoutError):
            server.accept()  # nothing reached the host's loopback
    assert result.success, result.error
    assert "CONNECTED" not in result.output
    assert result.output.count("blocked") == 2
    assert result.network_isolated is True


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ALL)
async def test_writes_outside_are_contained(backend: str, tmp_path: Path) -> None:
    _skip_unconfined(backend)
    host_file = tmp_path / "escaped.txt"
    repo_file = Path(__file__).with_name(f"escaped-{uuid.uuid4().hex}.txt")
    code = (
        "import os\n"
        f"for path in ({str(host_file)!r}, {str(repo_file)!r}, '/etc/lukhas-escape'):\n"
        "    try:\n"
        "        with open(path, 'w') as fh:\n"
        "            fh.write('escaped')\n"
        "        print('WROTE', path)\n"
        "    except OSError as err:\n"
        "        print('denied', err.errno)\n"
        "with open('scratch.txt', 'w') as fh:\n"  # its own directory is writable
        "    fh.write('ok')\n"
        "print('scratch', os.path.getsize('scratch.txt'))\n"
    )
    result = await _executor(backend).execute_python(code)
    assert result.success, result.error
    assert "scratch 2" in result.output
    assert not host_file.exists() and not repo_file.exists()
    assert not Path("/etc/lukhas-escape").exists()
    if backend != "none":  # private /tmp: nothing leaks either way
        assert "WROTE" not in result.output


@needs_namespace
@pytest.mark.asyncio
@pytest.mark.parametrize("backend", NAMESPACED)
async def test_cannot_undo_the_read_only_root(backend: str) -> None:
    code = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "rc = libc.mount(None, b'/', None, ctypes.c_ulong(32 | 4096), None)\n"  # remount rw
        "print('remount', rc, ctypes.get_errno())\n"
        "rc = libc.umount2(b'/tmp', 2)\n"
        "print('umount', rc, ctypes.get_errno())\n"
        "try:\n"
        "    open('/usr/lukhas-escape', 'w')\n"
        "    print('WROTE')\n"
        "except OSError as err:\n"
        "    print('denied', err.errno)\n"
    )
    result = await _executor(backend).execute_python(code)
    assert result.success, result.error
    assert "remount -1" in result.output and "umount -1" in result.output
    assert "WROTE" not in result.output and not Path("/usr/lukhas-escape").exists()


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ALL)
async def test_parent_environment_is_not_visible(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _skip_unconfined(backend)
    secret = f"lukhas-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("LUKHAS_TEST_SECRET", secret)
    code = (
        "import os\n"
        "print(sorted(os.environ))\n"
        "seen = []\n"
        "for pid in [os.getppid(), *[p for p in os.listdir('/proc') if p.isdigit()]]:\n"
        "    try:\n"
        "        with open(f'/proc/{pid}/environ', 'rb') as fh:\n"
        "            seen.append(fh.read().decode('latin-1'))\n"
        "    except OSError:\n"
        "        pass\n"
        "print('\\n'.join(seen))\n"
    )
    result = await _executor(backend).execute_python(code)
    assert result.success, result.error
    assert secret not in result.output
    assert "LUKHAS_TEST_SECRET" not in result.output


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ALL)
async def test_fork_bomb_is_capped_and_cleaned_up(backend: str) -> None:
    marker = f"forkbomb-{uuid.uuid4().hex}"
    code = (
        f"# {marker}\n"
        "import os, time\n"
        "children = 0\n"
        "while True:\n"
        "    try:\n"
        "        pid = os.fork()\n"
        "    except OSError as err:\n"
        "        print('fork refused after', children, 'errno', err.errno)\n"
        "        break\n"
        "    if pid == 0:\n"
        "        time.sleep(60)\n"
        "        os._exit(0)\n"
        "    children += 1\n"
        "    if children > 200:\n"
        "        print('UNBOUNDED')\n"
        "        break\n"
    )
    executor = _executor(backend, resource_limits={"max_processes": 8})
    # RLIMIT_NPROC counts every process of the sandbox's identity, so the budget
    # is 8 on top of those (e.g. sandboxes of earlier tests still being reaped)
    identity = _sandbox.NOBODY if os.geteuid() == 0 else os.getuid()
    already = _sandbox._count_processes(identity)
    result = await executor.execute_python(code)
    assert result.success, result.error
    assert "fork refused after" in result.output and "UNBOUNDED" not in result.output
    assert int(result.output.split()[3]) <= 8 + already
    assert _processes_with(marker) == []  # the sleeping children died with the sandbox


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ALL)
async def test_spinning_fork_bomb_is_contained(backend: str) -> None:
    marker = f"spinbomb-{uuid.uuid4().hex}"
    code = (
        f"# {marker}\nimport os\n"
        "while True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    executor = _executor(backend, execution_timeout=0.5, resource_limits={"max_processes": 4})
    result = await executor.execute_python(code)
    assert result.success is False and result.limit_hit in {"timeout", "cpu"}
    assert _processes_with(marker) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ALL)
async def test_memory_bomb_is_contained(backend: str) -> None:
    code = "blocks = []\nwhile True:\n    blocks.append(b'x' * (16 * 1024 * 1024))\n"
    result = await _executor(backend, memory_limit="96m").execute_python(code)
    assert result.success is False
    assert result.limit_hit == "memory"
    assert result.duration_s < 5


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ALL)
async def test_infinite_loop_is_stopped(backend: str) -> None:
    result = await _executor(backend, execution_timeout=0.4).execute_python("while True: pass")
    assert result.timed_out and result.limit_hit == "timeout"


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ALL)
async def test_escaping_the_session_does_not_survive(backend: str) -> None:
    marker = f"setsid-{uuid.uuid4().hex}"
    code = (
        f"# {marker}\n"
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    time.sleep(30)\n"
        "    os._exit(0)\n"
        "print('parent done')\n"
    )
    result = await _executor(backend).execute_python(code)
    assert result.success and "parent done" in result.output
    # Regression (issue 12): under "none" the daemon survived execute(); the bootstrap
    # is now the subreaper of everything the program starts and kills it all.
    survivors = _processes_with(marker)
    for pid in survivors:  # never leave one behind, even when the assertion fails
        os.kill(pid, 9)
    assert survivors == []


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ALL)
async def test_double_fork_daemon_is_killed_on_timeout(backend: str) -> None:
    marker = f"daemon-{uuid.uuid4().hex}"
    code = (
        f"# {marker}\n"
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(60)\n"
        "    os._exit(0)\n"
        "time.sleep(60)\n"
    )
    result = await _executor(backend, execution_timeout=1).execute_python(code)
    assert result.timed_out
    survivors = _processes_with(marker)
    for pid in survivors:
        os.kill(pid, 9)
    assert survivors == []


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ALL)
async def test_no_new_privs_in_every_mode(backend: str) -> None:
    # Regression (issue 12): PR_SET_NO_NEW_PRIVS was set only with namespaces, so under
    # "none" a setuid binary could gain privileges.
    code = "print([l for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0])"
    result = await _executor(backend).execute_python(code)
    assert result.success, result.error
    assert result.output.split() == ["NoNewPrivs:", "1"]
