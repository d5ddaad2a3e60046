"""Static screening of code before it runs: clear refusals for obvious misuse.

This is a *courtesy layer*, not the security boundary (the sandbox is): it
turns the common cases (``import socket`` with the network disabled,
``os.system``, ``rm -rf``, ``require('child_process')``) into an immediate,
readable "permission denied" instead of a confusing runtime failure.  Code that
slips past it still meets the sandbox.
"""

from __future__ import annotations

import ast
import re
import shlex

__all__ = ["screen_bash", "screen_javascript", "screen_python"]

_PY_NETWORK_MODULES = frozenset({
    "socket", "ssl", "http", "urllib", "urllib3", "requests", "httpx", "aiohttp", "ftplib",
    "smtplib", "poplib", "imaplib", "telnetlib", "xmlrpc", "websocket", "websockets",
    "paramiko", "socketserver", "asyncssh",
})
_PY_SYSTEM_MODULES = frozenset({
    "subprocess", "shutil", "pty", "ctypes", "multiprocessing", "pathlib", "tempfile",
    "glob", "importlib", "signal", "resource", "mmap", "fcntl",
})
_PY_OS_CALLS = re.compile(
    r"^(system|popen|exec\w*|spawn\w*|fork\w*|kill\w*|remove|unlink|rmdir|removedirs|rename"
    r"|renames|replace|mkdir|makedirs|chmod|chown|lchown|link|symlink|truncate|open|listdir"
    r"|scandir|walk|chdir|chroot|setuid|setgid|putenv|unsetenv)$"
)
_PY_BUILTINS = frozenset({"open", "__import__", "eval", "exec", "compile", "breakpoint"})

_SH_NETWORK = frozenset({
    "curl", "wget", "nc", "ncat", "netcat", "ssh", "scp", "sftp", "telnet", "ftp", "ping",
    "dig", "nslookup", "host", "socat", "rsync",
})
_SH_FILESYSTEM = frozenset({
    "rm", "rmdir", "mv", "cp", "dd", "chmod", "chown", "chgrp", "ln", "mkfs", "truncate",
    "shred", "touch", "mkdir", "tee", "install", "mount", "umount",
})
_SH_ALWAYS = frozenset({"sudo", "su", "doas", "shutdown", "reboot", "halt", "poweroff",
                        "kill", "killall", "pkill", "crontab", "chroot", "nsenter"})
_SH_SEPARATORS = frozenset({"|", "||", "&&", ";", "&", "(", ")", "`", "$("})

_JS_NETWORK = ("net", "http", "https", "http2", "dgram", "dns", "tls")
_JS_SYSTEM = ("fs", "child_process", "worker_threads", "cluster", "os", "v8", "vm")
_JS_IMPORT = re.compile(
    r"""(?:require\s*\(\s*|from\s+|import\s*\(\s*|import\s+)['"](?:node:)?([\w/]+)['"]"""
)


def _denied(what: str, hint: str) -> str:
    return f"Permission denied: {what} is not allowed in this sandbox ({hint})."


def screen_python(code: str, *, network: bool, filesystem: bool) -> str | None:
    """Return why ``code`` is refused, or None when it may run.

    Parameters
    ----------
    code : str
        Python source.
    network : bool
        Whether network access is enabled.
    filesystem : bool
        Whether filesystem and process access are enabled.

    Returns
    -------
    reason : str or None

    Examples
    --------
    >>> screen_python("print(sum(range(11)))", network=False, filesystem=False) is None
    True
    >>> screen_python("import os; os.system('ls')", network=False, filesystem=False)[:37]
    'Permission denied: os.system() is not'
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None  # let the interpreter report it with its own message
    fs_hint = "enable_filesystem=True allows it"
    net_hint = "enable_network=True allows it"
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        for module in modules:
            root = module.split(".")[0]
            if not network and root in _PY_NETWORK_MODULES:
                return _denied(f"network access (import {module})", net_hint)
            if not filesystem and root in _PY_SYSTEM_MODULES:
                return _denied(f"filesystem/process access (import {module})", fs_hint)
        if filesystem:
            continue
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and _PY_OS_CALLS.match(node.attr)
        ):
            return _denied(f"os.{node.attr}()", fs_hint)
        if isinstance(node, ast.Name) and node.id in _PY_BUILTINS:
            return _denied(f"{node.id}()", fs_hint)
        if isinstance(node, ast.Attribute) and node.attr.startswith("__") and node.attr not in {
            "__name__", "__doc__", "__init__", "__len__"
        }:
            return _denied(f"dunder attribute access ({node.attr})", fs_hint)
    return None


def _shell_words(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:
        return command.split()


def screen_bash(command: str, *, network: bool, filesystem: bool) -> str | None:
    """Return why the shell ``command`` is refused, or None when it may run.

    Every command word (the first word of each pipeline stage) is checked, and
    output redirection to absolute paths is refused without filesystem access.

    Parameters
    ----------
    command : str
        A bash command line.
    network : bool
        Whether network access is enabled.
    filesystem : bool
        Whether filesystem changes are enabled.

    Returns
    -------
    reason : str or None

    Examples
    --------
    >>> screen_bash("echo hello | tr a-z A-Z", network=False, filesystem=False) is None
    True
    >>> screen_bash("rm -rf /", network=False, filesystem=False)[:35]
    'Permission denied: the command `rm`'
    """
    words = _shell_words(command)
    expect_command = True
    for i, word in enumerate(words):
        if word in _SH_SEPARATORS or set(word) <= set("|&;()"):
            expect_command = True
            continue
        if word.startswith(">") and not filesystem:
            target = words[i + 1] if i + 1 < len(words) else ""
            if target.startswith(("/", "~")) and target not in {"/dev/null", "/dev/stderr",
                                                                 "/dev/stdout"}:
                return _denied(f"writing to {target}", "enable_filesystem=True allows it")
            continue
        if not expect_command:
            continue
        if "=" in word and not word.startswith("="):
            continue  # an assignment prefix: VAR=value cmd
        name = word.rsplit("/", 1)[-1]
        expect_command = name in {"env", "nice", "nohup", "time", "command", "exec", "xargs"}
        if name in _SH_ALWAYS:
            return _denied(f"the command `{name}`", "never allowed")
        if not network and name in _SH_NETWORK:
            return _denied(f"the command `{name}`", "enable_network=True allows it")
        if not filesystem and name in _SH_FILESYSTEM:
            return _denied(f"the command `{name}`", "enable_filesystem=True allows it")
    return None


def screen_javascript(code: str, *, network: bool, filesystem: bool) -> str | None:
    """Return why the JavaScript ``code`` is refused, or None when it may run.

    Parameters
    ----------
    code : str
        JavaScript source (CommonJS ``require`` or ES ``import``).
    network : bool
        Whether network access is enabled.
    filesystem : bool
        Whether filesystem and process access are enabled.

    Returns
    -------
    reason : str or None

    Examples
    --------
    >>> screen_javascript("console.log(1 + 1)", network=False, filesystem=False) is None
    True
    >>> screen_javascript("require('child_process')", network=False, filesystem=False)[:41]
    "Permission denied: module 'child_process'"
    """
    for match in _JS_IMPORT.finditer(code):
        module = match.group(1).split("/")[0]
        if not network and module in _JS_NETWORK:
            return _denied(f"module {module!r}", "enable_network=True allows it")
        if not filesystem and module in _JS_SYSTEM:
            return _denied(f"module {module!r}", "enable_filesystem=True allows it")
    if not filesystem and re.search(r"\bprocess\s*\.\s*(binding|dlopen|kill|env)\b", code):
        return _denied("process internals", "enable_filesystem=True allows it")
    if not network and re.search(r"\bfetch\s*\(|\bWebSocket\b", code):
        return _denied("network access (fetch/WebSocket)", "enable_network=True allows it")
    return None
