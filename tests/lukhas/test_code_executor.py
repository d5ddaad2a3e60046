"""CodeExecutor: the contract (R1-R5), limits, languages and configuration."""

from __future__ import annotations

import pytest

from lukhas.tools.code_executor import (
    CodeExecutor,
    ExecutionResult,
    IsolationUnavailableError,
    _executor,
    available_backends,
    parse_memory_size,
)

CONFINED = [b for b in available_backends() if b != "none"]
STRONGEST = CONFINED[0] if CONFINED else "none"
#: Tests that run code with the default (auto) isolation need a namespace sandbox.
needs_sandbox = pytest.mark.skipif(
    not CONFINED, reason="no namespace sandbox works here (no bubblewrap, and `unshare` "
    "failed its probe): isolation='auto' refuses to run unconfined")


@needs_sandbox
def test_r1_constructor_keywords() -> None:
    executor = CodeExecutor(
        supported_languages=["python", "bash", "javascript"],
        execution_timeout=30,
        memory_limit="256m",
        enable_network=False,
        enable_filesystem=False,
        resource_limits=None,
    )
    assert executor.memory_limit == 256 * 1024**2
    assert executor.isolation == STRONGEST
    assert CodeExecutor().supported_languages == ("python", "bash", "javascript")


@needs_sandbox
@pytest.mark.asyncio
async def test_r2_r3_safe_code_runs_in_every_language() -> None:
    executor = CodeExecutor(execution_timeout=10)
    result = await executor.execute_python(
        "total = 0\nfor i in range(1, 11):\n    total += i\nprint(total)"
    )
    assert isinstance(result, ExecutionResult)
    assert result.success is True
    assert result.output.strip() == "55"
    assert not result.error
    assert result.isolation == STRONGEST
    bash = await executor.execute_bash("s=0; for i in $(seq 1 10); do s=$((s + i)); done; echo $s")
    assert bash.success is True and bash.output.strip() == "55"
    js = await executor.execute_javascript(
        "let s = 0; for (let i = 1; i <= 10; i++) s += i; console.log(s)"
    )
    if js.success:
        assert js.output.strip() == "55"
    else:
        assert "not found" in js.error


@needs_sandbox
@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("python", "import os\nos.system('rm -rf /')"),
        ("python", "import socket\nsocket.create_connection(('example.com', 80))"),
        ("python", "print(open('/etc/passwd').read())"),
        ("python", "import subprocess\nsubprocess.run(['id'])"),
        ("python", "__import__('os').system('id')"),
        ("python", "().__class__.__bases__[0].__subclasses__()"),
        ("bash", "rm -rf /"),
        ("bash", "curl http://example.com"),
        ("bash", "echo pwned > /etc/motd"),
        ("bash", "sudo id"),
        ("javascript", "require('child_process').execSync('id')"),
        ("javascript", "require('fs').readFileSync('/etc/passwd')"),
        ("javascript", "fetch('http://example.com')"),
    ],
)
async def test_r4_unsafe_code_is_refused(language: str, source: str) -> None:
    executor = CodeExecutor(execution_timeout=5)
    run = {"python": executor.execute_python, "bash": executor.execute_bash,
           "javascript": executor.execute_javascript}[language]
    result = await run(source)
    assert result.success is False
    assert "permission" in result.error.lower()
    assert result.exit_code is None  # refused before anything ran


@needs_sandbox
@pytest.mark.asyncio
async def test_r4_missing_javascript_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_executor.shutil, "which", lambda *a, **k: None)
    result = await CodeExecutor().execute_javascript("console.log(1)")
    assert result.success is False
    assert "not found" in result.error


@needs_sandbox
@pytest.mark.asyncio
async def test_r5_memory_hungry_code_hits_the_limit() -> None:
    executor = CodeExecutor(execution_timeout=10, memory_limit="128m")
    result = await executor.execute_python(
        "chunks = []\nwhile True:\n    chunks.append(bytearray(8 * 1024 * 1024))"
    )
    assert result.success is False
    assert "memory" in result.error.lower() and "limit" in result.error.lower()
    assert result.limit_hit == "memory"
    caught = await executor.execute_python(
        "try:\n    x = bytearray(1 << 30)\nexcept MemoryError:\n    print('Memory limit reached')"
    )
    assert caught.success and "Memory limit reached" in caught.output


@needs_sandbox
@pytest.mark.asyncio
async def test_r5_runaway_code_times_out() -> None:
    executor = CodeExecutor(execution_timeout=0.5)
    result = await executor.execute_python("while True:\n    pass")
    assert result.success is False
    assert result.timed_out and result.limit_hit == "timeout"
    assert "timeout" in result.error.lower()
    assert result.duration_s < 5


@needs_sandbox
@pytest.mark.asyncio
async def test_cpu_limit_kills_before_wall_timeout() -> None:
    executor = CodeExecutor(execution_timeout=20, resource_limits={"cpu_seconds": 1})
    result = await executor.execute_python("while True:\n    pass")
    assert result.success is False
    assert result.limit_hit == "cpu" and not result.timed_out
    assert "cpu time limit" in result.error.lower()


@needs_sandbox
@pytest.mark.asyncio
async def test_output_and_file_size_limits() -> None:
    executor = CodeExecutor(execution_timeout=10, enable_filesystem=True,
                            resource_limits={"max_output_bytes": 4096,
                                             "max_file_size": 1024 * 1024})
    flood = await executor.execute_python("while True:\n    print('x' * 1000)")
    assert flood.limit_hit == "output" and len(flood.output) <= 4096
    big = await executor.execute_python(
        "import signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_DFL)\n"
        "with open('big.bin', 'wb') as fh:\n    fh.write(b'0' * (4 * 1024 * 1024))"
    )
    assert big.success is False and big.limit_hit == "file_size"


@needs_sandbox
@pytest.mark.asyncio
async def test_errors_exit_codes_and_syntax() -> None:
    executor = CodeExecutor(execution_timeout=10)
    failed = await executor.execute_python("raise SystemExit(3)")
    assert failed.exit_code == 3 and failed.success is False and "status 3" in failed.error
    broken = await executor.execute_python("def f(:")
    assert broken.success is False and "SyntaxError" in broken.error
    stderr_only = await executor.execute_python("import sys\nsys.stderr.write('note')")
    assert stderr_only.success is True and stderr_only.stderr == "note"


@needs_sandbox
@pytest.mark.asyncio
async def test_language_not_enabled() -> None:
    executor = CodeExecutor(supported_languages=["python"])
    result = await executor.execute_bash("echo hi")
    assert result.success is False and "not enabled" in result.error


def test_configuration_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="supported_languages"):
        CodeExecutor(supported_languages=["cobol"])
    with pytest.raises(ValueError, match="execution_timeout"):
        CodeExecutor(execution_timeout=0)
    with pytest.raises(ValueError, match="at least 32 MiB"):
        CodeExecutor(memory_limit=512)
    with pytest.raises(ValueError, match="memory_limit"):
        CodeExecutor(memory_limit="lots")
    with pytest.raises(TypeError, match="enable_network"):
        CodeExecutor(enable_network="no")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown keys"):
        CodeExecutor(resource_limits={"max_threads": 3})
    with pytest.raises(ValueError, match="isolation"):
        CodeExecutor(isolation="docker")
    monkeypatch.setattr(_executor, "available_backends", lambda: ("none",))
    with pytest.raises(IsolationUnavailableError, match="bwrap"):
        CodeExecutor(isolation="bwrap")
    # Regression (issue 12): without a namespace backend the default executor used to run
    # unconfined with the network open, logging only a warning.
    with pytest.raises(IsolationUnavailableError, match="no namespace sandbox"):
        CodeExecutor()
    with pytest.raises(IsolationUnavailableError, match="cannot block the network"):
        CodeExecutor(isolation="none")
    assert CodeExecutor(isolation="none", enable_network=True).isolation == "none"
    monkeypatch.setattr(_executor, "available_backends", lambda: ("unshare", "none"))
    assert CodeExecutor().isolation == "unshare"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"execution_timeout": 1e300}, "execution_timeout"),
        ({"execution_timeout": float("inf")}, "execution_timeout"),
        ({"memory_limit": 2**70}, "at most"),
        ({"memory_limit": "9999999g"}, "at most"),
        ({"resource_limits": {"cpu_seconds": 2**70}}, "cpu_seconds"),
        ({"resource_limits": {"max_processes": 2**40}}, "max_processes"),
    ],
)
def test_absurd_limits_are_refused_up_front(kwargs: dict[str, object], match: str) -> None:
    # Regression (issue 12): these were accepted, then every execution failed.
    with pytest.raises(ValueError, match=match):
        CodeExecutor(isolation="none", enable_network=True, **kwargs)  # type: ignore[arg-type]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("code", "match"), [("print(1)\x00", "NUL"), ("print('\ud800')", "lone surrogate")]
)
async def test_code_that_cannot_reach_the_os_is_refused(code: str, match: str) -> None:
    executor = CodeExecutor(isolation="none", enable_network=True)
    with pytest.raises(ValueError, match=match):
        await executor.execute_python(code)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("512m", 512 * 1024**2), ("512MB", 512 * 1000**2), ("1.5g", 1536 * 1024**2),
     ("64MiB", 64 * 1024**2), (1 << 30, 1 << 30)],
)
def test_parse_memory_size(value: object, expected: int) -> None:
    assert parse_memory_size("memory_limit", value) == expected


@needs_sandbox
@pytest.mark.asyncio
async def test_code_size_is_bounded() -> None:
    with pytest.raises(ValueError, match="code"):
        await CodeExecutor().execute_python("#" * 200_000)
    with pytest.raises(TypeError, match="code"):
        await CodeExecutor().execute_python(b"print(1)")  # type: ignore[arg-type]
