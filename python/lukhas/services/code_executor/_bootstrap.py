"""The first program that runs inside the sandbox.

It is executed as ``python -I -S -c BOOTSTRAP_SOURCE CONFIG_JSON`` (stdlib only,
no site-packages) by the sandbox's own interpreter, after the namespace
wrapper (bubblewrap or ``unshare``) has started it.  In order it:

1. (``unshare`` backend only, as the namespace's root) remounts every mount
   read-only, mounts fresh size-limited tmpfs on ``/tmp``, ``/var/tmp`` and
   ``/dev/shm``;
2. changes into the working directory;
3. sets the resource limits;
4. drops every capability (bounding set emptied, ``no_new_privs``), so the
   untrusted program cannot undo step 1;
5. ``execve``\\ s the untrusted program with a clean environment.

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
import ctypes, json, os, resource, sys

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

if cfg["drop_caps"]:
    PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
    try:
        with open("/proc/sys/kernel/cap_last_cap") as fh:
            last = int(fh.read())
    except OSError:
        last = 40
    for cap in range(last + 1):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            fail("cannot drop capability %d: %s" % (cap, os.strerror(ctypes.get_errno())))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        fail("cannot set no_new_privs")

try:
    os.execve(cfg["argv"][0], cfg["argv"], cfg["env"])
except OSError as err:
    fail("cannot start %s: %s" % (cfg["argv"][0], err))
'''
