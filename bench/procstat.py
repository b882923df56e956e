"""CPU accounting from /proc (Linux): where the machine's cycles went during a measured window.

On a 2-core box the load generator, the app server and PostgreSQL share the cores, so a throughput number means
little without knowing who used them. Snapshots are cheap (one /proc scan); a missing /proc yields empty snapshots
and the report leaves the breakdown out.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Snapshot:
    machine_busy: float = 0.0  # seconds of CPU used on all cores since boot (steal excluded)
    machine_steal: float = 0.0  # seconds the hypervisor ran someone else while we wanted to run
    machine_total: float = 0.0
    groups: dict[str, float] = field(default_factory=dict)  # seconds of CPU per process group
    others: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid -> (comm, seconds) outside the groups
    available: bool = False


def _stat(pid: int) -> tuple[str, int, float, float] | None:
    """(comm, ppid, own CPU seconds, reaped children's CPU seconds) of one process, or None if it is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # comm is in parentheses and may contain spaces; the fixed fields follow the last ')'.
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # After comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    own = (int(fields[11]) + int(fields[12])) / TICKS
    children = (int(fields[13]) + int(fields[14])) / TICKS
    return comm, int(fields[1]), own, children


def _machine() -> tuple[float, float, float]:
    """(busy, steal, total) seconds over all cores since boot."""
    cpu = (PROC / "stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in cpu[:8])
    busy = user + nice + system + irq + softirq
    return busy / TICKS, steal / TICKS, (busy + idle + iowait + steal) / TICKS


def _processes() -> dict[int, tuple[str, int, float, float]]:
    procs = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (info := _stat(int(entry.name))) is not None:
            procs[int(entry.name)] = info
    return procs


def snapshot(trees: dict[str, int]) -> Snapshot:
    """CPU so far of each named process tree (root pid -> it and its descendants), of PostgreSQL, and of this
    process alone (``bench``), plus every other process by pid.

    PostgreSQL counts every process named ``postgres`` plus the postmaster's reaped children, so backends that
    ended between two snapshots (pgbench's connections) are not lost.
    """
    if not (PROC / "stat").exists():
        return Snapshot()
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (_comm, ppid, _own, _reaped) in procs.items():
        children.setdefault(ppid, []).append(pid)
    groups: dict[str, float] = {}
    claimed = {os.getpid()}
    for name, root in trees.items():
        total, stack = 0.0, [root]
        while stack:
            pid = stack.pop()
            if pid in procs:
                total += procs[pid][2]
                claimed.add(pid)
                stack.extend(children.get(pid, []))
        groups[name] = total
    postgres = 0.0
    for pid, (comm, ppid, own, reaped) in procs.items():
        if comm == "postgres":
            claimed.add(pid)
            postgres += own
            if procs.get(ppid, ("",))[0] != "postgres":  # the postmaster
                postgres += reaped
    groups["postgres"] = postgres
    groups["bench"] = procs[os.getpid()][2] if os.getpid() in procs else 0.0
    others = {pid: (info[0], info[2]) for pid, info in procs.items() if pid not in claimed}
    busy, steal, total = _machine()
    return Snapshot(
        machine_busy=busy, machine_steal=steal, machine_total=total, groups=groups, others=others, available=True
    )


@dataclass(frozen=True)
class Usage:
    """CPU used between two snapshots: seconds per group, the machine's busy and steal shares (0..1 of all
    cores), and the busiest processes outside the groups."""

    seconds: dict[str, float]
    machine_busy_share: float
    machine_busy_seconds: float
    steal_share: float
    top_others: list[tuple[int, str, float]]  # (pid, comm, seconds)
    available: bool


def between(before: Snapshot, after: Snapshot) -> Usage:
    if not (before.available and after.available):
        return Usage(
            seconds={},
            machine_busy_share=0.0,
            machine_busy_seconds=0.0,
            steal_share=0.0,
            top_others=[],
            available=False,
        )
    seconds = {name: after.groups[name] - before.groups.get(name, 0.0) for name in after.groups}
    busy = after.machine_busy - before.machine_busy
    total = after.machine_total - before.machine_total
    steal = after.machine_steal - before.machine_steal
    # A process born inside the window counts in full; one that ended inside it is lost (its parent reaped it).
    others = [(pid, comm, cpu - before.others.get(pid, (comm, 0.0))[1]) for pid, (comm, cpu) in after.others.items()]
    others.sort(key=lambda item: item[2], reverse=True)
    return Usage(
        seconds=seconds,
        machine_busy_share=busy / total if total else 0.0,
        machine_busy_seconds=busy,
        steal_share=steal / total if total else 0.0,
        top_others=[o for o in others[:3] if o[2] > 0.05],
        available=True,
    )


def busy_processes(interval: float = 1.0, top: int = 3) -> tuple[float, list[tuple[int, str, float]]]:
    """The machine's busy share over ``interval`` and the processes that used the most CPU (pid, comm, share of
    all cores). Used to warn when something outside the bench competes for the cores."""
    if not (PROC / "stat").exists():
        return 0.0, []

    def sample() -> dict[int, tuple[str, float]]:
        return {pid: (info[0], info[2]) for pid, info in _processes().items()}

    first, (busy0, _steal0, total0) = sample(), _machine()
    time.sleep(interval)
    second, (busy1, _steal1, total1) = sample(), _machine()
    total = total1 - total0
    if total <= 0:
        return 0.0, []
    used = [(pid, comm, (cpu - first[pid][1]) / total) for pid, (comm, cpu) in second.items() if pid in first]
    used.sort(key=lambda item: item[2], reverse=True)
    return (busy1 - busy0) / total, [u for u in used[:top] if u[2] > 0.01]


def process_cpu(pid: int) -> float | None:
    """CPU seconds so far of one process (not its children), or None if it is gone."""
    info = _stat(pid)
    return info[2] if info is not None else None
