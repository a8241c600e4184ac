"""Locks on a SQLite file from another process: who holds one (POSIX fcntl), or hold one."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

# SQLite's unix VFS: the SHARED lock is a read lock on 510 bytes from 1 GiB + 2 of the main file,
# held by every connection in WAL mode for as long as it is open (after its first read).
_PROBE = r"""
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
layout = "hhqqixxxx"  # struct flock on Linux: type, whence, start, len, pid
query = struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, 0x40000000 + 2, 510, 0)
answer = struct.unpack(layout, fcntl.fcntl(fd, fcntl.F_GETLK, query))
print(answer[4] if answer[0] != fcntl.F_UNLCK else 0)
"""


def holder_of_shared_lock(path: Path) -> int:
    """The pid of a process holding a SQLite lock on path, as a second process sees it; 0 for
    none (F_GETLK never shows the asking process its own locks, hence the second process)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


_HOLDER = r"""
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
if sys.argv[2] == "exclusive":  # a rollback-journal program writing: even readers must wait
    con.execute("PRAGMA journal_mode = DELETE")
    con.execute("BEGIN EXCLUSIVE")
else:  # another Pilotis or script in the middle of a save
    con.execute("BEGIN IMMEDIATE")
con.execute(sys.argv[4])
print("held", flush=True)
time.sleep(float(sys.argv[3]))
con.execute("COMMIT")
print("released", flush=True)
time.sleep(60)
"""

_TOUCH = "UPDATE site SET name = name"


@contextmanager
def write_lock_held(path: Path, *, seconds: float = 60, kind: str = "immediate", sql: str = _TOUCH):
    """Another process runs `sql` in a transaction that holds the file's write lock for
    `seconds`, then commits and stays connected; yields that process. kind "exclusive" turns
    the file to a rollback journal and takes the exclusive lock, which blocks readers too."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), kind, str(seconds), sql],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()
