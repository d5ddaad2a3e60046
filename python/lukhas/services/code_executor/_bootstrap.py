"""The first program that runs inside the sandbox.

It is executed as ``python -I -S -c BOOTSTRAP_SOURCE CONFIG_JSON`` (stdlib only,
no site-packages) by the sandbox's own interpreter, after the namespace
wrapper (bubblewrap or ``unshare``) has started it.  In order it:

1. (``unshare`` backend only, as the namespace's root) remounts every mount
   read-only, mounts fresh size-limited tmpfs on ``/tmp``, ``/var/tmp`` and
   ``/dev/shm``;
2. changes into the working directory;
3. sets the resource limits;
4. (namespace backends) drops every capability (bounding set emptied), so the
   untrusted program cannot undo step 1;
5. sets ``no_new_privs`` (every backend: setuid binaries gain nothing) and makes
   itself a child subreaper;
6. forks and ``execve``\\ s the untrusted program with a clean environment,
   waits for it, then kills every process the program left behind (daemons
   that called ``setsid`` included: as a subreaper it inherits them), and exits
   with the program's status, ``128 + N`` for death by signal ``N``.  SIGTERM
   makes it do the same at once (the executor's timeout path).

Any failure exits with status 125 and a one-line ``lukhas-sandbox:`` message on
stderr, which the executor turns into a clear error.
"""

from __future__ import annotations

__all__ = ["BOOTSTRAP_SOURCE", "SETUP_FAILURE_STATUS", "SETUP_FAILURE_TAG"]

#: Exit status of the bootstrap when it could not build the sandbox.
SETUP_FAILURE_STATUS = 125
#: Prefix of the bootstrap's error line on stderr.
SETUP_FAILURE_TAG = "lukhas-sandbox:"

BOOTSTRAP_SOURCE = r'''
import ctypes, json, os, resource, signal, sys

def fail(msg):
    sys.stderr.write("lukhas-sandbox: " + msg + "\n")
    sys.stderr.flush()
    os._exit(125)

cfg = json.loads(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)

def mount(src, target, fstype, flags, data):
    rc = libc.mount(src.encode() if src else None, target.encode(),
                    fstype.encode() if fstype else None, ctypes.c_ulong(flags),
                    data.encode() if data else None)
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), target)

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_RELATIME, MS_STRICTATIME = 1 << 21, 1 << 24
ST_TO_MS = ((1, MS_RDONLY), (2, MS_NOSUID), (4, MS_NODEV), (8, MS_NOEXEC),
            (1024, MS_NOATIME), (2048, MS_NODIRATIME), (4096, MS_RELATIME))

if cfg["private_mounts"]:
    try:
        with open("/proc/self/mountinfo") as fh:
            points = [line.split()[4].replace("\\040", " ") for line in fh]
        for point in points:
            if point == "/proc" or point.startswith("/proc/"):
                continue
            try:
                st_flags = os.statvfs(point).f_flag
            except OSError:
                continue
            flags = MS_BIND | MS_REMOUNT | MS_RDONLY
            for st_bit, ms_bit in ST_TO_MS:
                if st_flags & st_bit:
                    flags |= ms_bit
            try:
                mount(None, point, None, flags, None)
            except OSError as err:
                if point == "/" or not point.startswith(("/sys", "/dev")):
                    raise
        for point in cfg["tmpfs"]:
            if os.path.isdir(point):
                mount("tmpfs", point, "tmpfs", MS_NOSUID | MS_NODEV,
                      "size=%d,mode=1777" % cfg["tmpfs_bytes"])
    except OSError as err:
        fail("cannot make the filesystem private: %s" % err)

try:
    os.chdir(cfg["cwd"])
except OSError as err:
    fail("cannot enter the working directory: %s" % err)

try:
    for name, value in cfg["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (value[0], value[1]))
except (OSError, ValueError) as err:
    fail("cannot set resource limits: %s" % err)

PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 24, 38, 36
if cfg["drop_caps"]:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as fh:
            last = int(fh.read())
    except OSError:
        last = 40
    for cap in range(last + 1):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            fail("cannot drop capability %d: %s" % (cap, os.strerror(ctypes.get_errno())))
# Every backend: no setuid or file-capability gains for anything started from here on.
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
    fail("cannot set no_new_privs")
# Orphans of the program (a setsid daemon, a double fork) are re-parented to this
# process instead of init, so that it can find and kill all of them at the end.
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    fail("cannot become a subreaper")


def children():
    # Processes whose parent is this one (every descendant ends up here, see above).
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry, "rb") as fh:
                    stat = fh.read()
                if int(stat[stat.rindex(b")") + 2:].split()[1]) == me:
                    found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def kill_all():
    # Kill every descendant until none is left (they cannot outrun: each kill
    # re-parents the victim's children to us, found on the next pass).
    for _ in range(10000):
        pids = children()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break


def stop(signum, frame):
    kill_all()
    os._exit(128 + signal.SIGKILL)


signal.signal(signal.SIGTERM, stop)
try:
    program = os.fork()
except OSError as err:
    fail("cannot start %s: %s" % (cfg["argv"][0], err))
if program == 0:
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.execve(cfg["argv"][0], cfg["argv"], cfg["env"])
    except OSError as err:
        fail("cannot start %s: %s" % (cfg["argv"][0], err))
status = 0
while True:
    try:
        pid, status = os.waitpid(program, 0)
        break
    except ChildProcessError:
        break
kill_all()
os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
'''
