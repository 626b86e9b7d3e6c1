#!/usr/bin/python3
"""runtime_bench.py — the driver of bench/runtime.sh: hullrt, crun and runc side by side.

Expects what runtime.sh prepares: root, a private mount namespace without /sys/fs/cgroup/unified, and a
tmpfs work dir holding rootfs/ (static busybox) and state/. Every command is started with posix_spawn and
reaped with wait4, so a sample is the wall time of that one command (the driver's own work — writing the
next config.json — is outside it) and ru_maxrss is the peak RSS of the command's process tree.
Runs alternate between the runtimes, each round in a new random order after a short pause (see
alternate()), and every ratio is computed from samples of the same run. A failed command stops the bench with its output.
"""
import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

RUNTIMES = ("hullrt", "crun", "runc")
FLOOR = "floor"


class Bench:
    def __init__(self, a):
        self.w = a.work
        self.runs = a.runs
        self.rounds = a.rounds
        self.bins = {"hullrt": a.hullrt, "crun": "/usr/bin/crun", "runc": "/usr/sbin/runc"}
        self.timeit = a.timeit
        self.gap = a.gap_ms / 1000.0
        self.rnd = random.Random(1)
        self.crun_ro = os.path.join(self.w, "crun-ro")
        self.rootfs = os.path.join(self.w, "rootfs")
        self.logpath = os.path.join(self.w, "log")
        self.seq = {rt: 0 for rt in RUNTIMES}
        self.results = []      # (case, label, {rt: [samples us]}, unit)
        self.rss = {}
        self.notes = []
        self.base = self.base_config(a.hullrt)
        for rt in RUNTIMES:
            os.makedirs(self.bundle(rt), exist_ok=True)

    # ---- plumbing -------------------------------------------------------------------------------
    def base_config(self, hullrt):
        """`hullrt spec` (runc's default spec), made valid for all three: crun 1.8 knows spec 1.0.x."""
        d = os.path.join(self.w, "spec")
        os.makedirs(d)
        subprocess.run([hullrt, "spec"], cwd=d, check=True)
        c = json.load(open(os.path.join(d, "config.json")))
        c["ociVersion"] = "1.0.2"
        c["process"]["terminal"] = False
        c["process"]["args"] = ["/bin/true"]
        c["root"] = {"path": self.rootfs, "readonly": True}
        return c

    def bundle(self, rt):
        return os.path.join(self.w, "bundle-" + rt)

    def root(self, rt, tag=""):
        return os.path.join(self.w, "state", rt + tag)

    def new_id(self, rt):
        self.seq[rt] += 1
        return "%s-%d" % (rt, self.seq[rt])

    def write_config(self, rt, cid, args=("/bin/true",), net=True, seccomp=None, memory=None):
        c = json.loads(json.dumps(self.base))
        c["process"]["args"] = list(args)
        lx = c["linux"]
        if not net:
            lx["namespaces"] = [n for n in lx["namespaces"] if n["type"] != "network"]
        if seccomp:
            lx["seccomp"] = seccomp
        if memory:
            lx.setdefault("resources", {})["memory"] = {"limit": memory}
        lx["cgroupsPath"] = "/hullbench/" + cid
        with open(os.path.join(self.bundle(rt), "config.json"), "w") as f:
            json.dump(c, f)

    def spawn(self, argv, errpath=None):
        """Run argv through timeit; return (wall us, peak RSS KiB of its process tree, wait status)."""
        log = os.open(self.logpath, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        errfd = os.open(errpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if errpath else log
        r, w = os.pipe()
        try:
            fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                  (os.POSIX_SPAWN_DUP2, log, 1), (os.POSIX_SPAWN_DUP2, errfd, 2), (os.POSIX_SPAWN_DUP2, w, 3)]
            pid = os.posix_spawn(self.timeit, [self.timeit, "3"] + argv, os.environ, file_actions=fa)
            os.close(w)
            w = -1
            out = b""
            while True:
                chunk = os.read(r, 256)
                if not chunk:
                    break
                out += chunk
            _, st = os.waitpid(pid, 0)
        finally:
            os.close(log)
            if errfd != log:
                os.close(errfd)
            os.close(r)
            if w >= 0:
                os.close(w)
        if st != 0 or not out:
            sys.exit("bench: timeit failed for %s" % " ".join(argv))
        us, rss, status = out.split()
        return float(us), int(rss), int(status)

    def must(self, argv):
        t, rss, status = self.spawn(argv)
        if status != 0:
            tail = open(self.logpath, errors="replace").read()[-3000:]
            sys.exit("bench: failed (status %d): %s\n%s" % (status, " ".join(argv), tail))
        return t, rss

    def rt(self, rt, *args, root=None):
        return [self.bins[rt], "--root", root or self.root(rt)] + list(args)

    def alternate(self, names, sample, runs=None):
        """sample(name, i) -> us, runs rounds of every name. Each round in a new random order (a fixed
        order would give each runtime the same predecessor every time, and what a predecessor leaves
        behind matters: a cgroup migration keeps the kernel's rcu_sync of cgroup_threadgroup_rwsem warm
        for the next one, the network namespace it dropped is torn down in the background), and a pause
        of --gap-ms before each command so that little of it is left."""
        out = {n: [] for n in names}
        for n in names:          # warm-up, not counted
            sample(n, -1)
        for i in range(runs or self.runs):
            order = list(names)
            self.rnd.shuffle(order)
            for n in order:
                time.sleep(self.gap)
                out[n].append(sample(n, i))
        return out

    # ---- the cases ---------------------------------------------------------------------------------
    def run_true(self, net):
        rss = {n: [] for n in RUNTIMES + (FLOOR,)}

        def sample(n, i):
            if n == FLOOR:
                ns = ["-f", "-p", "-i", "-u", "-m"] + (["-n"] if net else [])
                t, r = self.must(["/usr/bin/unshare"] + ns + ["-R", self.rootfs, "/bin/true"])
            else:
                cid = self.new_id(n)
                self.write_config(n, cid, net=net)
                t, r = self.must(self.rt(n, "run", "--bundle", self.bundle(n), cid))
            if i >= 0:
                rss[n].append(r)
            return t
        res = self.alternate(list(RUNTIMES) + [FLOOR], sample)
        return res, rss

    def case1(self):
        res, rss = self.run_true(net=True)
        floor = res.pop(FLOOR)
        self.results.append(("1", "run /bin/true (pid,net,ipc,uts,mnt)", res, "ms"))
        self.rss = rss
        self.floor_net = floor

    def case2(self):
        res, _ = self.run_true(net=False)
        floor = res.pop(FLOOR)
        self.results.append(("2", "run /bin/true, no network namespace", res, "ms"))
        self.floor_nonet = floor

    def case3(self):
        parts = {rt: {"create": [], "start": [], "delete": []} for rt in RUNTIMES}

        def sample(rt, i):
            cid = self.new_id(rt)
            self.write_config(rt, cid, args=("/bin/sleep", "1000"))
            tc, _ = self.must(self.rt(rt, "create", "--bundle", self.bundle(rt), cid))
            ts, _ = self.must(self.rt(rt, "start", cid))
            td, _ = self.must(self.rt(rt, "delete", "--force", cid))
            if i >= 0:
                for k, v in (("create", tc), ("start", ts), ("delete", td)):
                    parts[rt][k].append(v)
            return tc + ts + td
        res = self.alternate(list(RUNTIMES), sample)
        self.results.append(("3", "create + start + delete -f (3 commands)", res, "ms"))
        for k in ("create", "start", "delete"):
            self.results.append(("3" + k[0], "  of which " + k, {rt: parts[rt][k] for rt in RUNTIMES}, "ms"))

    def case4(self):
        ids = {}
        for rt in RUNTIMES:
            cid = self.new_id(rt)
            self.write_config(rt, cid, args=("/bin/sleep", "100000"))
            self.must(self.rt(rt, "run", "--detach", "--bundle", self.bundle(rt), cid))
            ids[rt] = cid
        try:
            res = self.alternate(list(RUNTIMES),
                                 lambda rt, i: self.must(self.rt(rt, "exec", ids[rt], "/bin/true"))[0])
        finally:
            for rt in RUNTIMES:
                self.spawn(self.rt(rt, "delete", "--force", ids[rt]))
        self.results.append(("4", "exec /bin/true into a running container", res, "ms"))

    def seccomp_profile(self):
        """A docker-sized profile: default EPERM, ~300 allowed syscalls, a few argument rules (personality)."""
        hdr = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
        names = re.findall(r"#define __NR_(\w+) (\d+)", open(hdr).read())
        blocked = {"acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module",
                   "delete_module", "finit_module", "get_kernel_syms", "get_mempolicy", "init_module",
                   "ioperm", "iopl", "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie",
                   "mbind", "mount", "move_pages", "nfsservctl", "open_by_handle_at", "perf_event_open",
                   "personality", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace",
                   "query_module", "quotactl", "reboot", "request_key", "set_mempolicy", "setns", "settimeofday",
                   "swapoff", "swapon", "sysfs", "_sysctl", "umount2", "unshare", "uselib", "userfaultfd",
                   "ustat", "vm86", "vm86old", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
                   "open_tree", "mount_setattr", "quotactl_fd", "lsm_get_self_attr", "lsm_set_self_attr",
                   "lsm_list_modules", "statmount", "listmount", "mseal", "map_shadow_stack", "futex_wake",
                   "futex_wait", "futex_requeue", "cachestat", "fchmodat2", "set_mempolicy_home_node",
                   "setxattrat", "getxattrat", "listxattrat", "removexattrat", "open_tree_attr",
                   "uretprobe", "afs_syscall", "tuxcall", "security", "putpmsg", "getpmsg", "epoll_ctl_old",
                   "epoll_wait_old", "vserver"}
        allowed = [n for n, _ in names if n not in blocked]
        rules = [{"names": [n], "action": "SCMP_ACT_ALLOW"} for n in allowed]
        rules += [{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                   "args": [{"index": 0, "value": v, "op": "SCMP_CMP_EQ"}]}
                  for v in (0, 8, 131072, 131080, 4294967295)]
        self.notes.append("seccomp profile: defaultAction SCMP_ACT_ERRNO, %d rules (%d syscalls allowed "
                          "one rule each, 5 argument rules), like docker's default" % (len(rules), len(allowed)))
        return {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": rules}

    def case5(self):
        prof = self.seccomp_profile()
        n_cold = [0]

        def cold(rt, i):
            # A fresh state root each time: no runtime finds a cache of an earlier run.
            n_cold[0] += 1
            root = self.root(rt, "-cold%d" % n_cold[0])
            cid = self.new_id(rt)
            self.write_config(rt, cid, seccomp=prof)
            t, _ = self.must(self.rt(rt, "run", "--bundle", self.bundle(rt), cid, root=root))
            shutil.rmtree(root, ignore_errors=True)
            return t

        def cached(rt, i):
            cid = self.new_id(rt)
            self.write_config(rt, cid, seccomp=prof)
            return self.must(self.rt(rt, "run", "--bundle", self.bundle(rt), cid, root=self.root(rt, "-sc")))[0]
        self.results.append(("5a", "run with seccomp (~300 rules), cold cache",
                             self.alternate(list(RUNTIMES), cold), "ms"))
        self.results.append(("5b", "run with seccomp (~300 rules), cached",
                             self.alternate(list(RUNTIMES), cached), "ms"))

    def case6(self):
        def batch(rt, i):
            ids, total = [], 0.0
            for _ in range(100):
                cid = self.new_id(rt)
                self.write_config(rt, cid, args=("/bin/sleep", "100000"))
                total += self.must(self.rt(rt, "run", "--detach", "--bundle", self.bundle(rt), cid))[0]
                ids.append(cid)
            for cid in ids:
                total += self.must(self.rt(rt, "delete", "--force", cid))[0]
            return total
        names = list(RUNTIMES)
        out = {n: [] for n in names}
        for i in range(self.rounds):
            order = list(names)
            self.rnd.shuffle(order)
            for n in order:
                time.sleep(self.gap)
                out[n].append(batch(n, i))
        self.results.append(("6", "100 containers: run -d each, then delete -f each (total)", out, "s"))

    def memory_floor(self, rt):
        """Lowest linux.resources.memory.limit (KiB, 64 KiB steps) under which `run /bin/true` succeeds
        twice in a row."""
        def ok(kib):
            for _ in range(2):
                cid = self.new_id(rt)
                self.write_config(rt, cid, memory=kib * 1024)
                _, _, status = self.spawn(self.rt(rt, "run", "--bundle", self.bundle(rt), cid))
                # A failed start may leave its state and cgroup: a forced delete clears what is left.
                self.spawn(self.rt(rt, "delete", "--force", cid))
                if status != 0:
                    return False
            return True
        lo, hi = 0, 64 * 1024            # lo fails (or is 0), hi must pass
        if not ok(hi):
            return None
        while hi - lo > 64:
            mid = (lo + hi) // 2 // 64 * 64
            if mid <= lo:
                mid = lo + 64
            if ok(mid):
                hi = mid
            else:
                lo = mid
        return hi

    def case7(self):
        with open(self.logpath, "a") as f:
            f.write("---- case 7: memory limit search (failures below are expected)\n")
        self.mem_floor = {rt: self.memory_floor(rt) for rt in RUNTIMES}

    # ---- callgrind ----------------------------------------------------------------------------------
    def callgrind(self):
        """User-space instructions of one `run`, by valgrind 3.19 (Debian 12). What it can follow limits
        what is counted: it has no openat2 (the hullrt init fails at its first confined open, so hullrt
        is counted up to launch_spawn: everything before the container's first process) and cannot
        follow crun's re-exec of itself from a sealed copy (so crun is counted twice: the image that
        makes the copy, and, run from a read-only bind mount that crun accepts as sealed, the image that
        does the work, to its exit)."""
        out = os.path.join(self.w, "callgrind")
        os.makedirs(out, exist_ok=True)
        vg = ["/usr/bin/valgrind", "--tool=callgrind", "--trace-children=no"]
        runs = [("hullrt", "hullrt: before the container's first process", self.bins["hullrt"],
                 ["--dump-before=launch_spawn"], {}, 1),
                ("crun", "crun image 1: load, make a sealed copy of itself, re-exec", self.bins["crun"],
                 ["--dump-before=*execve*"], {}, 1),
                ("crun", "crun image 2: the run itself (parent process, to exit)", self.crun_ro,
                 [], {"_LIBCONTAINER_CLONED_BINARY": "1"}, 0)]
        self.callgrind_res = []
        for k, (rt, label, binary, opts, env, part) in enumerate(runs):
            cid = self.new_id(rt)
            self.write_config(rt, cid)
            prefix = "%s/%d" % (out, k)
            argv = vg + opts + ["--callgrind-out-file=%s.%%p" % prefix, binary, "--root", self.root(rt),
                                "run", "--bundle", self.bundle(rt), cid]
            saved = dict(os.environ)
            os.environ.update(env)
            try:
                self.spawn(argv)
            finally:
                os.environ.clear()
                os.environ.update(saved)
            self.spawn(self.rt(rt, "delete", "--force", cid))
            # part 1 is the dump a --dump-before wrote; without one, the file of the program's end.
            files = sorted(f for f in os.listdir(out) if f.startswith("%d." % k))
            pick = [f for f in files if f.count(".") == 2 and f.endswith(".1")] if part else \
                [f for f in files if f.count(".") == 1]
            if not pick:
                self.callgrind_res.append((label, 0, 0))
                continue
            p = os.path.join(out, pick[0])
            summ = re.search(r"^summary: (\d+)", open(p).read(), re.M)
            total = int(summ.group(1)) if summ else 0
            ann = subprocess.run(["/usr/bin/callgrind_annotate", "--threshold=100", p],
                                 capture_output=True, text=True).stdout
            ldso = sum(int(m.group(1).replace(",", "")) for m in
                       (re.match(r"\s*([\d,]+)\s.*\[.*/ld-linux[^\]]*\]", l) for l in ann.splitlines()) if m)
            self.callgrind_res.append((label, total, ldso))

    # ---- where a hullrt `run` spends its time -----------------------------------------------------------
    PHASES = [  # (label, regex on the trace line's text, side)
        ("parse config.json (+ plan)", r"^parse config\.json", "parent"),
        ("state dir: mkdir, lock, config copy, fifos", r"^state dir ", "parent"),
        ("cgroup: mkdir in 9 v1 hierarchies, cpuset, device rules", r"^cgroup /", "parent"),
        ("clone3 into new pid, net, mnt, ipc, uts namespaces", r"^clone3? ", "parent"),
        ("cgroup attach by the parent: cgroup.procs", r"^cgroup add pid", "parent"),
        ("init: cgroup join by the init itself: tasks \"0\"", r"^cgroup join \(the child", "child"),
        ("init: rootfs prepare (mounts, devices)", r"^rootfs prepare", "child"),
        ("init: rootfs finalize (pivot_root, ro/masked paths)", r"^rootfs finalize", "child"),
        ("init: capabilities, user", r"^caps, user", "child"),
        ("state.json", r"^state\.json", "parent"),
        ("start: go to the init, its execve, ack", r"^start signal", "parent"),
        ("container exit, cgroup removal", r"^stop and remove cgroup", "parent"),
    ]

    TAIL = "after the last step: hullrt's exit (and its execve, before main)"
    OTHER = "between steps: hand-offs parent <-> init, wake-ups (untraced)"

    def breakdown(self, runs=11):
        """`hullrt --trace run /bin/true` (case 1's config) alternating with the floor of case 1, runs
        times each; per phase the median duration."""
        rows, floor = [], []
        errp = os.path.join(self.w, "trace.txt")

        def sample(n, i):
            if n == FLOOR:
                t, _ = self.must(["/usr/bin/unshare", "-f", "-p", "-i", "-u", "-m", "-n", "-R", self.rootfs,
                                  "/bin/true"])
                if i >= 0:
                    floor.append(t)
                return t
            cid = self.new_id("hullrt")
            self.write_config("hullrt", cid)
            wall, _, status = self.spawn([self.bins["hullrt"], "--trace", "--root", self.root("hullrt"), "run",
                                          "--bundle", self.bundle("hullrt"), cid], errpath=errp)
            if status != 0:
                sys.exit("bench: traced run failed: " + open(errp).read()[-2000:])
            if i < 0:
                return wall
            steps, last = {}, 0.0
            for line in open(errp):
                m = re.match(r"\[trace \d+\] \+\s*([\d.]+) ms\s+([\d.]+) us  (.*)", line)
                if not m:
                    continue
                last = max(last, float(m.group(1)) * 1000)
                for label, rx, _ in self.PHASES:
                    if re.search(rx, m.group(3)):
                        steps[label] = steps.get(label, 0.0) + float(m.group(2))
            steps["wall"] = wall
            steps[self.TAIL] = wall - last
            serial = sum(steps.get(label, 0.0) for label, _, _ in self.PHASES if not label.startswith("  "))
            steps[self.OTHER] = max(0.0, last - serial)
            rows.append(steps)
            return wall
        self.alternate(["hullrt", FLOOR], sample, runs)
        self.breakdown_rows = rows
        self.breakdown_floor = floor

    def report_breakdown(self):
        rows = self.breakdown_rows
        wall = statistics.median(r["wall"] for r in rows)
        fl = statistics.median(self.breakdown_floor)
        print("\nwhere a hullrt `run /bin/true` spends its time (--trace, %d runs alternating with the floor; "
              "median per phase): wall median %.1f ms, floor (unshare -fpiumn -R) median %.1f ms, ratio %.2f"
              % (len(rows), wall / 1e3, fl / 1e3, wall / fl))
        print("| phase | side | median us | min–max us |")
        print("|---|---|---|---|")
        for label, _, side in self.PHASES + [(self.OTHER, None, "both"), (self.TAIL, None, "parent")]:
            v = [r.get(label, 0.0) for r in rows]
            print("| %s | %s | %.0f | %.0f–%.0f |" % (label, side, statistics.median(v), min(v), max(v)))

    # ---- report -----------------------------------------------------------------------------------
    @staticmethod
    def fmt(v, unit):
        if unit == "s":
            return "%.2f" % (v / 1e6)
        return "%.1f" % (v / 1e3)

    def report(self):
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
        print("\n== hullrt vs crun vs runc — %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        print("machine: %s, %d cpus, kernel %s, load %s" % (cpu.group(1) if cpu else "?", os.cpu_count(),
              os.uname().release, open("/proc/loadavg").read().split()[0]))
        vers = []
        for rt in RUNTIMES:
            v = subprocess.run([self.bins[rt], "--version"], capture_output=True, text=True).stdout.splitlines()
            vers.append(v[0] if v else rt)
        print("runtimes: " + "; ".join(vers))
        print("%d runs per runtime and case, in a random order each round, %.0f ms apart (case 6: %d rounds); "
              "median [min–max]\n" % (self.runs, self.gap * 1000, self.rounds))
        head = "| case | what | hullrt | crun | runc | hullrt/crun | hullrt/runc |"
        print(head)
        print("|" + "---|" * 7)
        for case, label, res, unit in self.results:
            med = {rt: statistics.median(res[rt]) for rt in RUNTIMES}
            cells = ["%s [%s–%s]" % (self.fmt(med[rt], unit), self.fmt(min(res[rt]), unit),
                                     self.fmt(max(res[rt]), unit)) for rt in RUNTIMES]
            print("| %s | %s (%s) | %s | %.2f | %.2f |" % (case, label, unit, " | ".join(cells),
                                                           med["hullrt"] / med["crun"], med["hullrt"] / med["runc"]))
        if self.rss:
            cells = ["%d [%d–%d]" % (statistics.median(self.rss[rt]), min(self.rss[rt]), max(self.rss[rt]))
                     for rt in RUNTIMES]
            m = {rt: statistics.median(self.rss[rt]) for rt in RUNTIMES}
            print("| 7a | peak RSS of the `run` process tree (KiB, case 1) | %s | %.2f | %.2f |"
                  % (" | ".join(cells), m["hullrt"] / m["crun"], m["hullrt"] / m["runc"]))
        if getattr(self, "mem_floor", None):
            mf = self.mem_floor
            cells = [("%d KiB" % mf[rt]) if mf[rt] else "> 64 MiB" for rt in RUNTIMES]
            r = lambda a, b: ("%.2f" % (mf[a] / mf[b])) if mf[a] and mf[b] else "–"
            print("| 7b | lowest memory.limit under which `run /bin/true` works | %s | %s | %s |"
                  % (" | ".join(cells), r("hullrt", "crun"), r("hullrt", "runc")))
        for tag, fl, ref in (("8", getattr(self, "floor_net", None), "1"),
                             ("8b", getattr(self, "floor_nonet", None), "2")):
            if not fl:
                continue
            res = [r for r in self.results if r[0] == ref][0][2]
            mh = statistics.median(res["hullrt"])
            mfl = statistics.median(fl)
            print("| %s | floor of case %s: unshare -fpium%s -R rootfs /bin/true (ms) | %s [%s–%s] | | | "
                  "hullrt/floor %.2f | |" % (tag, ref, "n" if ref == "1" else "", self.fmt(mfl, "ms"),
                                             self.fmt(min(fl), "ms"), self.fmt(max(fl), "ms"), mh / mfl))
        if getattr(self, "rss", None) and FLOOR in self.rss and self.rss[FLOOR]:
            self.notes.append("floor peak RSS (unshare): %d KiB" % statistics.median(self.rss[FLOOR]))
        if getattr(self, "callgrind_res", None):
            print("\ncallgrind (user-space instructions, valgrind 3.19; see callgrind() for what it can follow):")
            for label, total, ldso in self.callgrind_res:
                print("  %-62s %10d Ir, dynamic linking (ld-linux) %d = %.0f%%"
                      % (label, total, ldso, 100.0 * ldso / total if total else 0))
        if getattr(self, "breakdown_rows", None):
            self.report_breakdown()
        for n in self.notes:
            print("note: " + n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--hullrt", required=True)
    ap.add_argument("--timeit", required=True)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--gap-ms", type=float, default=50)
    ap.add_argument("--callgrind", type=int, default=1)
    ap.add_argument("--cases", default="1 2 3 4 5 6 7 8")
    a = ap.parse_args()
    b = Bench(a)
    cases = a.cases.split()
    t0 = time.time()
    for c in ("1", "2", "3", "4", "5", "6", "7"):
        if c in cases or (c in ("1", "2") and "8" in cases):
            print("case %s…" % c, file=sys.stderr, flush=True)
            getattr(b, "case" + c)()
    print("trace breakdown…", file=sys.stderr, flush=True)
    b.breakdown()
    if a.callgrind and not os.access("/usr/bin/valgrind", os.X_OK):
        b.notes.append("no /usr/bin/valgrind (make deps): instruction counts skipped")
    elif a.callgrind:
        print("callgrind…", file=sys.stderr, flush=True)
        b.callgrind()
    b.report()
    print("\n(%.0f s)" % (time.time() - t0))


if __name__ == "__main__":
    main()
