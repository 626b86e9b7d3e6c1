"""hull's docker command line beyond the lifecycle: ps --filter, stats (streaming and --no-stream), detached
exec with and without a terminal, and create racing rmi of the same image."""
import json
import os
import random
import select
import signal
import subprocess
import time

import pytest

import engine_image as EI
from enginefix import eng, image_tars, IMAGE, EP_IMAGE, HULL  # noqa: F401 (fixtures)


def image_ids(eng):  # noqa: F811
    return {im["Id"] for im in json.loads(eng("images", "--format", "json").stdout)}


def test_create_racing_rmi_never_leaves_a_container_without_its_image(eng, image_tars):  # noqa: F811
    """rmi lists the containers and removes under the store's gc lock, held exclusively; create holds it
    shared from its image lookup until its record is written: whichever wins, the loser fails cleanly."""
    rng = random.Random(8)
    outcomes = set()
    for i in range(40):
        if IMAGE not in eng("images").stdout.replace("docker.io/", ""):
            eng("load", "-i", image_tars[0])
        # either may start first, by up to 30 ms: both orders and the overlaps in between
        first, second = ("create", "rmi") if i % 2 else ("rmi", "create")
        procs = {}
        for which in (first, second):
            args = ("create", "--pull", "never", IMAGE, "true") if which == "create" else ("rmi", IMAGE)
            procs[which] = eng.popen(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if which == first:
                time.sleep(rng.uniform(0, 0.03))
        create, rmi = procs["create"], procs["rmi"]
        cout, cerr = create.communicate(timeout=60)
        rout, rerr = rmi.communicate(timeout=60)
        if create.returncode == 0:
            eng.ids.add(cout.strip())
        assert not (create.returncode == 0 and rmi.returncode == 0), (i, cout, rout)
        if create.returncode == 0:
            assert rmi.returncode == 125 and "conflict" in rerr, rerr
            outcomes.add("rmi refused")
        else:
            assert create.returncode == 125 and "image not known" in cerr, cerr
            outcomes.add("create failed")
        # the invariant: every container's image (and so its layers) is in the store
        ids = image_ids(eng)
        for c in json.loads(eng("ps", "-a", "--format", "json").stdout):
            assert c["ImageID"].split(":")[-1] in ids, (i, c)
        for cid in eng.container_ids():
            eng("rm", cid)
    # both orders happened (else the test did not race anything)
    assert outcomes == {"rmi refused", "create failed"}, outcomes


def ps_ids(eng, *args):  # noqa: F811
    return set(eng("ps", "-q", "--no-trunc", *args).stdout.split())


def test_ps_filter(eng, tmp_path):  # noqa: F811
    labeled = str(tmp_path / "labeled.tar")
    EI.docker_archive(labeled, "hulltest/labeled:1", {"Cmd": ["true"], "Labels": {"tier": "front", "team": "x"}})
    eng("load", "-i", labeled)
    web = eng("run", "-d", "--name", "hulltest-f-web", IMAGE, "sleep", "30").stdout.strip()
    db = eng("create", "--name", "hulltest-f-db", EP_IMAGE).stdout.strip()
    job = eng("run", "-d", "--name", "hulltest-f-job", IMAGE, "sh", "-c", "exit 3").stdout.strip()
    lab = eng("run", "-d", "--name", "hulltest-f-lab", "hulltest/labeled:1").stdout.strip()
    eng.ids.update((web, db, job, lab))
    assert eng("wait", job).stdout == "3\n" and eng("wait", lab).stdout == "0\n"
    # id: a prefix; name: a regular expression (docker's names start with "/")
    assert ps_ids(eng, "-a", "--filter", "id=" + db[:8]) == {db}
    assert ps_ids(eng, "-a", "-f", "name=hulltest-f-") == {web, db, job, lab}
    assert ps_ids(eng, "-a", "-f", "name=^/hulltest-f-web$") == {web}
    assert ps_ids(eng, "-f", "name=hulltest-f-") == {web}  # without -a: running ones only
    # status lists every state without -a; OR within a key, AND across keys
    assert ps_ids(eng, "--filter", "status=exited") == {job, lab}
    assert ps_ids(eng, "-f", "status=running", "-f", "status=created") == {web, db}
    assert ps_ids(eng, "-f", "status=exited", "-f", "exited=3") == {job}
    # exited: the code of a container that ran (a created one has none)
    assert ps_ids(eng, "-a", "-f", "exited=0") == {lab}
    assert ps_ids(eng, "-a", "-f", "exited=0", "-f", "exited=3") == {job, lab}
    # ancestor: by name or id of the image
    ep = [im["Id"] for im in json.loads(eng("images", "--format", "json").stdout)
          if "docker.io/" + EP_IMAGE in im["Names"]][0]
    assert ps_ids(eng, "-a", "-f", "ancestor=" + EP_IMAGE) == {db}
    assert ps_ids(eng, "-a", "-f", "ancestor=" + ep[:12]) == {db}
    assert ps_ids(eng, "-a", "-f", "ancestor=" + IMAGE, "-f", "name=web|job") == {web, job}
    assert ps_ids(eng, "-a", "-f", "ancestor=hulltest/nosuch:1") == set()
    # label: KEY or KEY=VALUE (the image's labels are the container's)
    assert ps_ids(eng, "-a", "-f", "label=tier") == {lab}
    assert ps_ids(eng, "-a", "-f", "label=tier=front", "-f", "label=team=x") == {lab}
    assert ps_ids(eng, "-a", "-f", "label=tier=back") == set()
    # json and the table filter alike
    js = json.loads(eng("ps", "-a", "--format", "json", "-f", "status=created").stdout)
    assert [x["Id"] for x in js] == [db]
    table = eng("ps", "-a", "-f", "name=job").stdout
    assert "hulltest-f-job" in table and "hulltest-f-web" not in table
    for bad in ("bogus=1", "status=sleeping", "exited=x", "name", "name=(", "id="):
        p = eng("ps", "-f", bad, check=False)
        assert p.returncode == 125 and "--filter" in p.stderr, (bad, p.stderr)


def test_ps_filter_order_volumes_networks_ports(eng):  # noqa: F811
    a = eng("create", "--name", "hulltest-o-a", "-v", "hulltest-o-data:/data", "--network", "none", IMAGE).stdout.strip()
    b = eng("create", "--name", "hulltest-o-b", "--expose", "8080/udp", "-p", "18080:80", IMAGE).stdout.strip()
    c = eng("create", "--name", "hulltest-o-c", "-P", "--expose", "9000", IMAGE).stdout.strip()
    eng.ids.update((a, b, c))
    # before/since: created before/after the named container
    assert ps_ids(eng, "-a", "-f", "before=hulltest-o-b") >= {a} and b not in ps_ids(eng, "-a", "-f", "before=" + b)
    assert ps_ids(eng, "-a", "-f", "since=hulltest-o-a", "-f", "name=hulltest-o-") == {b, c}
    assert ps_ids(eng, "-a", "-f", "since=" + b[:12], "-f", "name=hulltest-o-") == {c}
    # volume: a volume's name or a mount's destination
    assert ps_ids(eng, "-a", "-f", "volume=hulltest-o-data") == {a}
    assert ps_ids(eng, "-a", "-f", "volume=/data") == {a}
    # network: the network a container is on
    assert ps_ids(eng, "-a", "-f", "network=none", "-f", "name=hulltest-o-") == {a}
    assert ps_ids(eng, "-a", "-f", "network=bridge", "-f", "name=hulltest-o-") == {b, c}
    # publish/expose: a container port (tcp unless said), a single one or a range
    # (the image exposes 80/tcp: c's -P publishes it too)
    assert ps_ids(eng, "-a", "-f", "publish=80", "-f", "name=hulltest-o-") == {b, c}
    assert ps_ids(eng, "-a", "-f", "publish=80", "-f", "expose=8080/udp") == {b}
    assert ps_ids(eng, "-a", "-f", "publish=18080") == set()
    assert ps_ids(eng, "-a", "-f", "expose=8080/udp") == {b}
    assert ps_ids(eng, "-a", "-f", "expose=8999-9001") == {c}
    assert ps_ids(eng, "-a", "-f", "publish=9000") == {c}  # -P publishes what is exposed
    # a before/since naming no container is an error, as docker
    r = eng("ps", "-a", "-f", "before=hulltest-nosuch", check=False)
    assert r.returncode == 125 and "before=hulltest-nosuch" in r.stderr and "no such container" in r.stderr, r.stderr


def health(eng, cid):  # noqa: F811
    return eng.inspect(cid)["State"].get("Health") or {}


def wait_health(eng, cid, status, timeout=15):  # noqa: F811
    end = time.time() + timeout
    while health(eng, cid).get("Status") != status and time.time() < end:
        time.sleep(0.05)
    return health(eng, cid)


def test_healthcheck_from_flags(eng):  # noqa: F811
    cid = eng("run", "-d", "--health-cmd", "test -f /tmp/ok && echo fine", "--health-interval", "100ms",
              "--health-retries", "2", IMAGE, "sleep", "60").stdout.strip()
    eng.ids.add(cid)
    hc = eng.inspect(cid)["Config"]["Healthcheck"]
    assert hc["Test"] == ["CMD-SHELL", "test -f /tmp/ok && echo fine"] and hc["Interval"] == 100000000
    h = wait_health(eng, cid, "unhealthy")
    assert h["Status"] == "unhealthy" and h["FailingStreak"] >= 2 and h["Log"][-1]["ExitCode"] == 1, h
    assert "(unhealthy)" in eng("ps").stdout
    assert ps_ids(eng, "-f", "health=unhealthy") == {cid}
    eng("exec", cid, "touch", "/tmp/ok")
    h = wait_health(eng, cid, "healthy")
    assert h["Status"] == "healthy" and h["FailingStreak"] == 0 and h["Log"][-1]["Output"] == "fine\n", h
    assert len(h["Log"]) <= 5  # docker keeps the last five
    assert ps_ids(eng, "-f", "health=healthy") == {cid} and ps_ids(eng, "-f", "health=unhealthy") == set()
    # paused, it is not probed (its exec would be refused): still healthy after several intervals
    eng("pause", cid)
    time.sleep(0.6)
    assert health(eng, cid)["Status"] == "healthy"
    eng("unpause", cid)
    # a check that runs out of time fails as docker's: exit -1, and its process in the container is stopped
    slow = eng("run", "-d", "--health-cmd", "sleep 30", "--health-interval", "2s", "--health-timeout", "300ms",
               "--health-retries", "1", IMAGE, "sleep", "60").stdout.strip()
    eng.ids.add(slow)
    h = wait_health(eng, slow, "unhealthy")
    assert h["Log"][0]["ExitCode"] == -1 and h["Log"][0]["Output"] == "Health check exceeded timeout (300ms)", h
    end = time.time() + 5
    while "sleep 30" in eng("exec", slow, "ps").stdout and time.time() < end:
        time.sleep(0.1)
    assert "sleep 30" not in eng("exec", slow, "ps").stdout
    eng("rm", "-f", cid, slow)


def test_healthcheck_from_the_image_and_turned_off(eng, tmp_path):  # noqa: F811
    tar = str(tmp_path / "healthy.tar")
    EI.docker_archive(tar, "hulltest/healthy:1", {"Cmd": ["sleep", "60"], "Healthcheck": {
        "Test": ["CMD", "/bin/true"], "Interval": 100000000, "Retries": 3}})
    eng("load", "-i", tar)
    cid = eng("run", "-d", "hulltest/healthy:1").stdout.strip()
    off = eng("run", "-d", "--no-healthcheck", "hulltest/healthy:1").stdout.strip()
    eng.ids.update((cid, off))
    assert wait_health(eng, cid, "healthy")["Status"] == "healthy"
    assert "Healthcheck" not in eng.inspect(off)["Config"] and health(eng, off) == {}
    assert ps_ids(eng, "-f", "health=none", "-f", "name=" + eng.inspect(off)["Name"].lstrip("/")) == {off}
    for args, msg in ((["--health-interval", "5"], "--health-interval 5: want a duration"),
                      (["--health-retries", "x"], "--health-retries x: want a count")):
        r = eng("create", *args, IMAGE, check=False)
        assert r.returncode == 125 and msg in r.stderr, r.stderr
    eng("rm", "-f", cid, off)


def test_pause_and_unpause(eng):  # noqa: F811
    cid = eng("run", "-d", IMAGE, "sh", "-c", "while true; do echo t >> /tmp/ticks; sleep 0.05; done").stdout.strip()
    eng.ids.add(cid)
    assert eng("pause", cid).stdout.strip() == cid
    ticks = lambda: eng("exec", cid, "wc", "-l", "/tmp/ticks").stdout.split()[0]  # noqa: E731
    # frozen: said so by ps, inspect and the status filter; exec refused as docker does; nothing moves
    assert "(Paused)" in eng("ps").stdout
    st = eng.inspect(cid)["State"]
    assert st["Status"] == "paused" and st["Paused"] is True
    assert ps_ids(eng, "-f", "status=paused") == {cid} and ps_ids(eng, "-f", "status=running") == set()
    r = eng("exec", cid, "true", check=False)
    assert r.returncode != 0 and "is paused, unpause the container before exec" in r.stderr, r.stderr
    r = eng("pause", cid, check=False)
    assert r.returncode != 0 and "already paused" in r.stderr
    eng("unpause", cid)
    assert eng.inspect(cid)["State"]["Paused"] is False
    first = int(ticks())
    time.sleep(0.3)
    assert int(ticks()) > first  # running again
    # stop of a paused container: the SIGKILL after the timeout thaws it, as docker's does
    eng("pause", cid)
    t0 = time.time()
    eng("stop", "-t", "1", cid)
    assert time.time() - t0 < 5 and eng.inspect(cid)["State"]["ExitCode"] == 137
    r = eng("unpause", cid, check=False)
    assert r.returncode != 0 and "is not running" in r.stderr
    # rm -f of a paused one does not wait forever on a frozen process
    other = eng("run", "-d", IMAGE, "sleep", "60").stdout.strip()
    eng.ids.add(other)
    eng("pause", other)
    t0 = time.time()
    eng("rm", "-f", other)
    assert time.time() - t0 < 5 and other not in eng.container_ids()


def test_labels_from_flags_files_and_the_image(eng, tmp_path):  # noqa: F811
    labeled = str(tmp_path / "labeled.tar")
    EI.docker_archive(labeled, "hulltest/labeled:2", {"Cmd": ["true"], "Labels": {"tier": "front", "team": "x"}})
    eng("load", "-i", labeled)
    lf = tmp_path / "labels"
    lf.write_text("# owners\nteam=y\n\nstage=beta\n")
    # the image's, then --label-file's, then --label's: later ones win, as docker
    cid = eng("create", "--label-file", str(lf), "-l", "stage=prod", "--label", "flag",
              "hulltest/labeled:2").stdout.strip()
    eng.ids.add(cid)
    assert eng.inspect(cid)["Config"]["Labels"] == {"tier": "front", "team": "y", "stage": "prod", "flag": ""}
    assert ps_ids(eng, "-a", "-f", "label=stage=prod", "-f", "label=flag") == {cid}
    # bad input: a clear error naming the flag, exit 125, no container left
    before = eng.container_ids()
    for args, msg in ((["-l", "=x"], '--label "=x": the name is empty'),
                      (["--label-file", str(tmp_path / "nosuch")], "--label-file"),):
        r = eng("create", *args, IMAGE, check=False)
        assert r.returncode == 125 and msg in r.stderr, r.stderr
    lf.write_text("=v\n")
    r = eng("create", "--label-file", str(lf), IMAGE, check=False)
    assert r.returncode == 125 and "labels:1: the name is empty" in r.stderr, r.stderr
    assert eng.container_ids() == before


def read_lines(p, n, timeout=15):
    """n lines of p's stdout (a pipe), with the time each arrived."""
    out, end = [], time.time() + timeout
    while len(out) < n:
        r, _, _ = select.select([p.stdout], [], [], max(0, end - time.time()))
        assert r, f"only {len(out)} lines in {timeout}s: {out}"
        line = p.stdout.readline()
        assert line, f"EOF after {out}"
        out.append((time.monotonic(), line))
    return out


def test_stats_streams_every_second_until_interrupted(eng):  # noqa: F811
    busy = eng("run", "-d", "--name", "hulltest-st-busy", "-m", "64m", IMAGE, "sh", "-c",
               "while :; do :; done").stdout.strip()
    eng.ids.add(busy)
    gw = eng.inspect(busy)["NetworkSettings"]["Gateway"]
    eng("exec", busy, "ping", "-c", "2", "-W", "1", gw, check=False)
    p = eng.popen("stats", "--format", "json", busy, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = read_lines(p, 3)
    finally:
        p.send_signal(signal.SIGINT)
        p.wait(timeout=10)
    assert p.returncode == -signal.SIGINT, p.stderr.read()
    gaps = [b[0] - a[0] for a, b in zip(lines, lines[1:])]
    assert all(0.3 < g < 3.0 for g in gaps) and 0.7 < sum(gaps) / len(gaps) < 1.6, gaps
    cpu = []
    for _, line in lines:
        arr = json.loads(line)
        assert [o["ID"] for o in arr] == [busy] and arr[0]["Name"] == "hulltest-st-busy"
        o = arr[0]
        assert o["MemLimit"] == 64 << 20 and 0 < o["MemUsage"] < o["MemLimit"] and o["PIDs"] >= 1
        assert abs(o["MemPerc"] - 100.0 * o["MemUsage"] / o["MemLimit"]) < 0.01
        assert o["NetOutput"] > 0 and o["NetInput"] >= 0 and o["BlockRead"] >= 0 and o["BlockWrite"] >= 0
        cpu.append(o["CPUPerc"])
    # a busy loop: CPU time grows with the wall clock (the machine is shared: not a full CPU for sure)
    assert all(c > 10 for c in cpu), cpu
    assert all(c < 100 * os.cpu_count() + 20 for c in cpu), cpu
    # the table, without arguments: the running containers, read again every second
    idle = eng("run", "-d", "--name", "hulltest-st-idle", IMAGE, "sleep", "30").stdout.strip()
    eng.ids.add(idle)
    p = eng.popen("stats", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [x[1] for x in read_lines(p, 6)]
    finally:
        p.send_signal(signal.SIGINT)
        p.wait(timeout=10)
    heads = [ln for ln in lines if ln.startswith("CONTAINER ID")]
    assert len(heads) == 2 and lines[0] == heads[0], lines
    for w in ("CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"):
        assert w in heads[0]
    rows = [ln for ln in lines if not ln.startswith("CONTAINER ID")]
    assert {r.split()[1] for r in rows} == {"hulltest-st-busy", "hulltest-st-idle"}, rows
    assert all("%" in r and "iB / " in r for r in rows), rows


def test_stats_no_stream(eng):  # noqa: F811
    run = eng("run", "-d", "--name", "hulltest-st-run", IMAGE, "sleep", "30").stdout.strip()
    done = eng("run", "-d", "--name", "hulltest-st-done", IMAGE, "true").stdout.strip()
    eng.ids.update((run, done))
    eng("wait", done)
    t = time.monotonic()
    out = eng("stats", "--no-stream", run, done).stdout.splitlines()
    assert time.monotonic() - t < 5
    assert out[0].startswith("CONTAINER ID") and len(out) == 3
    assert out[1].split()[:2] == [run[:12], "hulltest-st-run"]
    # a container that does not run reads as zeros, as under docker
    assert out[2].split() == [done[:12], "hulltest-st-done", "0.00%", "0B", "/", "0B", "0.00%", "0B", "/", "0B",
                              "0B", "/", "0B", "0"]
    arr = json.loads(eng("stats", "--no-stream", "--format", "json").stdout)
    assert [o["ID"] for o in arr] == [run] and arr[0]["PIDs"] == 1
    assert {o["ID"] for o in json.loads(eng("stats", "-a", "--no-stream", "--format", "json").stdout)} == {run, done}
    p = eng("stats", "--no-stream", "hulltest-nosuch", check=False)
    assert p.returncode != 0 and "hulltest-nosuch" in p.stderr
    assert eng("stats", "--format", "yaml", check=False).returncode == 125


def pty_holders():
    """hull processes holding a pty master on fd 3: the terminal holders of detached `exec -t`s."""
    hull = os.path.realpath(HULL)
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline") as f:
                argv = f.read().split("\0")
            # exe is no help: exec runs from a sealed copy of hull (src/runtime/selfseal.h)
            if os.path.realpath(argv[0]) == hull and "exec" in argv and \
                    os.readlink(f"/proc/{pid}/fd/3") in ("/dev/ptmx", "/dev/pts/ptmx"):
                out.append(int(pid))
        except OSError:
            pass
    return out


def wait_for(pred, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def in_ctr(eng, cid, cmd):  # noqa: F811
    return eng("exec", cid, "sh", "-c", cmd, check=False)


@pytest.mark.parametrize("rt", [None, "/usr/sbin/runc", "/usr/bin/crun"])
def test_detached_exec_with_and_without_a_terminal(eng, rt):  # noqa: F811
    if rt and not os.path.exists(rt):
        pytest.skip(f"{rt} not installed")
    assert pty_holders() == []
    # the container has a terminal too (with --runtime: the runtime's console socket, as for exec)
    cid = eng("run", "-d", "-t", *(["--runtime", rt] if rt else []), IMAGE, "sleep", "60").stdout.strip()
    eng.ids.add(cid)
    # -d returns at once, with nothing of the process's holding our pipes (run() reads them to EOF)
    t = time.monotonic()
    eng("exec", "-d", cid, "sh", "-c", "echo out; echo err >&2; sleep 31")
    eng("exec", "-d", "-t", cid, "sh", "-c",
        "tty > /tmp/tty; stty size > /tmp/size; yes | head -c 300000; touch /tmp/flooded; sleep 32")
    assert time.monotonic() - t < 10
    # -t: a terminal of its own (80x24), its output drained (300 kB would fill a pty nobody reads)
    assert wait_for(lambda: in_ctr(eng, cid, "test -e /tmp/flooded").returncode == 0)
    assert in_ctr(eng, cid, "cat /tmp/tty").stdout.startswith("/dev/pts/")
    assert in_ctr(eng, cid, "cat /tmp/size").stdout == "24 80\n"
    top = eng("top", cid).stdout
    assert "sleep 31" in top and "sleep 32" in top
    assert len(pty_holders()) == 1
    # not hung up: still there a moment later; the holder goes when the terminal's last process does
    time.sleep(0.5)
    assert "sleep 32" in eng("top", cid).stdout
    eng("exec", "-d", "-t", cid, "sh", "-c", "until [ -e /tmp/go ]; do sleep 0.05; done")
    assert len(pty_holders()) == 2
    in_ctr(eng, cid, "touch /tmp/go")
    assert wait_for(lambda: len(pty_holders()) == 1)
    # what cannot run fails as an attached exec does, and leaves no holder
    assert eng("exec", "-d", "-t", cid, "/nope", check=False).returncode == 127
    assert eng("exec", "-d", cid, "/nope", check=False).returncode == 127
    assert len(pty_holders()) == 1
    assert not [n for n in os.listdir(os.path.join(eng.root, "containers", cid)) if n.startswith("exec-")]
    eng("rm", "-f", cid)
    assert wait_for(lambda: pty_holders() == [])
