"""hull networking (src/net) driven through `hull network`, entirely inside network namespaces made here.

Topology per test (the machine's own network is never touched):

    client ns  192.168.77.2 ──veth── 192.168.77.1  HOST ns (hull runs here: bridge hull0, table ip hull)
    remote ns  203.0.113.2  ──veth── 203.0.113.1   HOST ns          (remote has no route to 10.88/16:
                                                                      replies only work through NAT)
A "container" is a process started with `unshare -n` from inside the HOST ns; `hull network _attach`
(net_prepare + net_attach, what `hull run` calls) wires it. Every test compares the HOST ns's links,
addresses and nft ruleset with the baseline at the end.
"""
import difflib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

BUILD = os.environ.get("HULL_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
HULL = os.path.abspath(os.path.join(BUILD, "hull"))
PY = "/usr/bin/python3"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(HULL), reason="needs root and build/hull")

# A container's workload: TCP echo-with-name on 80, UDP echo on 90; prints READY when listening.
SERVER = r"""
import socket, sys, threading
name = sys.argv[1]
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("0.0.0.0", 80)); t.listen(16)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 90))
def tcp():
    while True:
        c, a = t.accept()
        c.sendall(("%s %s\n" % (name, a[0])).encode()); c.close()
def udp():
    while True:
        d, a = u.recvfrom(512); u.sendto(b"udp " + name.encode() + b" " + d, a)
threading.Thread(target=tcp, daemon=True).start(); threading.Thread(target=udp, daemon=True).start()
print("READY", flush=True)
sys.stdin.read()
"""

CLIENT = r"""
import socket, sys
proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if proto == "tcp":
    s = socket.create_connection((host, port), timeout=3); print(s.recv(200).decode().strip())
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3); s.sendto(b"ping", (host, port))
    print(s.recv(200).decode().strip())
"""


def sh(*args, check=True, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d): %s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


class Env:
    def __init__(self):
        tag = uuid.uuid4().hex[:6]
        self.host, self.client, self.remote = ("hulltest-net-%s-%s" % (k, tag) for k in ("h", "c", "r"))
        self.root = tempfile.mkdtemp(prefix="hulltest-net-root-")
        self.procs = []
        for ns in (self.host, self.client, self.remote):
            sh("ip", "netns", "add", ns)
            self.ip(ns, "link", "set", "lo", "up")
        for peer, hostaddr, peeraddr, vh in ((self.client, "192.168.77.1", "192.168.77.2", "hullt-c"),
                                              (self.remote, "203.0.113.1", "203.0.113.2", "hullt-r")):
            sh("ip", "-n", self.host, "link", "add", vh, "type", "veth", "peer", "name", "eth0", "netns", peer)
            self.ip(self.host, "addr", "add", hostaddr + "/24", "dev", vh)
            self.ip(self.host, "link", "set", vh, "up")
            self.ip(peer, "addr", "add", peeraddr + "/24", "dev", "eth0")
            self.ip(peer, "link", "set", "eth0", "up")
        self.ip(self.client, "route", "add", "default", "via", "192.168.77.1")
        self.baseline = self.snapshot()

    def ip(self, ns, *args):
        return sh("ip", "-n", ns, *args)

    def in_ns(self, ns, *args, check=True, **kw):
        return sh("ip", "netns", "exec", ns, *args, check=check, **kw)

    def hull(self, *args, check=True):
        return self.in_ns(self.host, HULL, "--root", self.root, *args, check=check)

    def snapshot(self):
        links = re.sub(r"^\d+: ", "", self.in_ns(self.host, "ip", "-o", "link").stdout, flags=re.M)
        addrs = re.sub(r"^\d+: ", "", self.in_ns(self.host, "ip", "-o", "addr").stdout, flags=re.M)
        addrs = addrs.replace(" tentative", "")  # IPv6 DAD of the test's own veths finishes meanwhile
        return links, addrs, self.in_ns(self.host, "nft", "list", "ruleset").stdout

    def container(self, name):
        """A process in its own netns, child of the HOST ns; returns Popen (its pid is the container's)."""
        p = subprocess.Popen(["ip", "netns", "exec", self.host, "unshare", "-n", PY, "-c", SERVER, name],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        assert p.stdout.readline().strip() == "READY"
        return p

    def attach(self, p, cid, *flags, check=True):
        r = self.hull("network", "_attach", "--id", cid, "--name", cid, "--pid", str(p.pid), *flags, check=check)
        return json.loads(r.stdout) if check else r

    def from_container(self, p, *args, check=True):
        return sh("nsenter", "-t", str(p.pid), "-n", *args, check=check)

    def connect(self, where, proto, host, port, pid=None):
        cmd = [PY, "-c", CLIENT, proto, host, str(port)]
        if pid:
            return sh("nsenter", "-t", str(pid), "-n", *cmd).stdout.strip()
        return self.in_ns(where, *cmd).stdout.strip()

    def stop(self, p):
        p.kill()
        p.wait()

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for ns in (self.host, self.client, self.remote):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def env():
    e = Env()
    try:
        yield e
    finally:
        e.close()


def assert_clean(env):
    """After rm: no container veth, no rule, no record. Then `network prune` takes the idle bridges (kept
    between containers, as docker0) and the netns is exactly as before."""
    env.hull("network", "_reconcile")
    links, addrs, rules = env.snapshot()
    assert "hullv" not in links and "10.88.0.2" not in addrs
    # a network's masquerade rules stay with its bridge (docs/networking.md); no container's rule stays
    assert "dnat to" not in rules, rules
    records = os.path.join(env.root, "net", "containers")
    assert not os.path.isdir(records) or os.listdir(records) == []
    env.hull("network", "prune")
    now = env.snapshot()
    for what, a, b in zip(("ip -o link", "ip -o addr", "nft list ruleset"), env.baseline, now):
        diff = "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm=""))
        assert a == b, "%s changed:\n%s" % (what, diff)
    records = os.path.join(env.root, "net", "containers")
    assert not os.path.isdir(records) or os.listdir(records) == []


def test_net_default_bridge_gateway_and_kernel_view(env):
    p = env.container("c1")
    info = env.attach(p, "c1")
    addrs = {(a.get("ifname"), a["address"]) for a in info["Addresses"] if a["family"] == "inet"}
    assert ("eth0", "10.88.0.2") in addrs and ("lo", "127.0.0.1") in addrs
    assert any(r["dst"] == "default" and r.get("gateway") == "10.88.0.1" for r in info["Routes"])
    eth0 = [l for l in info["Interfaces"] if l["name"] == "eth0"][0]
    assert eth0["up"] and eth0["mtu"] == 1500 and eth0["mac"] == "02:42:0a:58:00:02"
    # container -> gateway, over TCP to a listener on the host side of the bridge
    srv = subprocess.Popen(["ip", "netns", "exec", env.host, PY, "-c", SERVER.replace("80)", "8181)").replace(
        "90)", "9191)"), "hostside"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(srv)
    assert srv.stdout.readline().strip() == "READY"
    assert env.connect(None, "tcp", "10.88.0.1", 8181, pid=p.pid) == "hostside 10.88.0.2"
    hosts = open(os.path.join(env.root, "net/containers/c1/hosts")).read()
    assert "10.88.0.2\tc1" in hosts
    ni = json.loads(env.hull("network", "inspect", "bridge").stdout)[0]
    assert ni["BridgeLink"]["name"] == "hull0" and ni["Veths"][0]["name"].startswith("hullv")
    assert "table ip hull" in ni["NftRules"]
    env.hull("network", "_release", "c1")
    assert_clean(env)


def test_net_published_ports_tcp_udp_from_host_and_client(env):
    p = env.container("web")
    env.attach(p, "web", "-p", "8080:80", "-p", "9090:90/udp", "-p", "127.0.0.1:8181:80")
    assert env.connect(env.host, "tcp", "127.0.0.1", 8080).startswith("web ")
    assert env.connect(env.host, "tcp", "127.0.0.1", 8181).startswith("web ")
    assert env.connect(env.host, "tcp", "192.168.77.1", 8080).startswith("web ")
    assert env.connect(env.client, "tcp", "192.168.77.1", 8080) == "web 192.168.77.2"
    assert env.connect(env.client, "udp", "192.168.77.1", 9090) == "udp web ping"
    assert env.connect(env.host, "udp", "192.168.77.1", 9090) == "udp web ping"
    # 127.0.0.1-only port is not published on the other addresses
    r = env.in_ns(env.client, PY, "-c", CLIENT, "tcp", "192.168.77.1", "8181", check=False)
    assert r.returncode != 0
    # a taken host port is refused, and leaves nothing behind
    q = env.container("web2")
    r = env.attach(q, "web2", "-p", "8080:80", check=False)
    assert r.returncode == 125 and "Bind for 0.0.0.0:8080 failed: port is already allocated" in r.stderr
    assert not os.path.exists(os.path.join(env.root, "net/containers/web2"))
    env.hull("network", "_release", "web")
    assert_clean(env)


def test_net_publish_all_picks_free_ports(env):
    p = env.container("pa")
    info = env.attach(p, "pa", "--expose", "80/tcp", "--expose", "90/udp", "-P")
    ports = {(x["container_port"], x["proto"]): x["host_port"] for x in info["ports"]}
    assert set(ports) == {(80, "tcp"), (90, "udp")}
    assert all(32768 <= v <= 60999 for v in ports.values())
    assert env.connect(env.client, "tcp", "192.168.77.1", ports[(80, "tcp")]) == "pa 192.168.77.2"
    env.hull("network", "_release", "pa")
    assert_clean(env)


def test_net_outbound_nat_to_remote(env):
    srv = subprocess.Popen(["ip", "netns", "exec", env.remote, PY, "-c", SERVER.replace("80)", "7000)").replace(
        "90)", "7001)"), "remote"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(srv)
    assert srv.stdout.readline().strip() == "READY"
    p = env.container("out")
    env.attach(p, "out")
    # the remote sees the host's address: masqueraded (it has no route back to 10.88.0.0/16)
    assert env.connect(None, "tcp", "203.0.113.2", 7000, pid=p.pid) == "remote 203.0.113.1"
    assert env.connect(None, "udp", "203.0.113.2", 7001, pid=p.pid) == "udp remote ping"
    assert env.in_ns(env.host, "sysctl", "-n", "net.ipv4.ip_forward").stdout.strip() == "1"
    env.hull("network", "_release", "out")
    assert_clean(env)


def test_net_user_network_names_connect_disconnect(env):
    r = env.hull("network", "create", "--subnet", "10.89.7.0/24", "app")
    assert len(r.stdout.strip()) == 64
    a, b = env.container("alpha"), env.container("beta")
    ia = env.attach(a, "alpha", "--network", "app", "--ip", "10.89.7.50", "--add-host", "gw.test:192.0.2.1")
    assert any(x["address"] == "10.89.7.50" for x in ia["Addresses"])
    env.attach(b, "beta", "--network", "app", "--network-alias", "db")
    hosts_a = open(os.path.join(env.root, "net/containers/alpha/hosts")).read()
    hosts_b = open(os.path.join(env.root, "net/containers/beta/hosts")).read()
    # both directions: beta was added to alpha's file in place after alpha started
    assert re.search(r"^10\.89\.7\.2\tbeta\b.*\bdb\b", hosts_a, re.M), hosts_a
    assert re.search(r"^10\.89\.7\.50\talpha\b", hosts_b, re.M), hosts_b
    assert "192.0.2.1\tgw.test" in hosts_a
    # by IP and by the name the hosts file gives
    name_ip = re.search(r"^(\S+)\tbeta", hosts_a, re.M).group(1)
    assert env.connect(None, "tcp", name_ip, 80, pid=a.pid) == "beta 10.89.7.50"
    assert env.connect(None, "tcp", "10.89.7.50", 80, pid=b.pid) == "alpha 10.89.7.2"
    # --ip taken / outside the subnet
    c = env.container("gamma")
    r = env.attach(c, "gamma", "--network", "app", "--ip", "10.89.7.50", check=False)
    assert r.returncode == 125 and "address already in use" in r.stderr
    r = env.attach(c, "gamma", "--network", "app", "--ip", "10.1.1.1", check=False)
    assert "not a free host address of network app" in r.stderr
    # connect alpha to the default network too: a second interface, eth1
    env.hull("network", "connect", "bridge", "alpha")
    info = json.loads(env.hull("network", "_container", "alpha").stdout)
    assert {x.get("ifname") for x in info["Addresses"] if x["family"] == "inet"} >= {"eth0", "eth1"}
    env.hull("network", "disconnect", "bridge", "alpha")
    r = env.hull("network", "rm", "app", check=False)
    assert r.returncode == 125 and "active endpoint" in r.stderr
    env.hull("network", "disconnect", "app", "beta")
    assert "beta" not in open(os.path.join(env.root, "net/containers/alpha/hosts")).read()
    for cid in ("alpha", "beta"):
        env.hull("network", "_release", cid)
    env.hull("network", "rm", "app")
    assert_clean(env)


def test_net_internal_network_has_no_way_out(env):
    env.hull("network", "create", "--internal", "--subnet", "10.89.9.0/24", "priv")
    srv = subprocess.Popen(["ip", "netns", "exec", env.remote, PY, "-c", SERVER.replace("80)", "7000)").replace(
        "90)", "7001)"), "remote"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(srv)
    assert srv.stdout.readline().strip() == "READY"
    p, q = env.container("i1"), env.container("i2")
    env.attach(p, "i1", "--network", "priv")
    env.attach(q, "i2", "--network", "priv")
    r = sh("nsenter", "-t", str(p.pid), "-n", PY, "-c", CLIENT, "tcp", "203.0.113.2", "7000", check=False)
    assert r.returncode != 0
    assert env.connect(None, "tcp", "10.89.9.3", 80, pid=p.pid) == "i2 10.89.9.2"
    env.hull("network", "_release", "i1")
    env.hull("network", "_release", "i2")
    env.hull("network", "rm", "priv")
    assert_clean(env)


def test_net_concurrent_attach_distinct_addresses(env):
    procs = [env.container("k%d" % i) for i in range(8)]
    results = [None] * 8

    def go(i):
        results[i] = env.attach(procs[i], "k%d" % i, check=False)
    threads = [threading.Thread(target=go, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    ips = [[a["address"] for a in json.loads(r.stdout)["Addresses"] if a.get("ifname") == "eth0"
            and a["family"] == "inet"][0] for r in results]
    assert len(set(ips)) == 8 and all(ip.startswith("10.88.0.") for ip in ips)
    for i in range(8):
        env.hull("network", "_release", "k%d" % i)
    assert_clean(env)


def test_net_kill9_container_then_later_command_cleans(env):
    p = env.container("dead")
    env.attach(p, "dead", "-p", "8080:80")
    env.stop(p)  # SIGKILL: the netns dies, its veth pair with it; the records and rules stay
    assert "8080" in env.in_ns(env.host, "nft", "list", "table", "ip", "hull").stdout
    # the kernel deletes the pair with the namespace (until then its address would stay taken)
    end = time.time() + 5
    while "hullv" in env.snapshot()[0] and time.time() < end:
        time.sleep(0.01)
    # any later network command reconciles: the next container gets the same address back
    q = env.container("next")
    info = env.attach(q, "next")
    assert any(a["address"] == "10.88.0.2" for a in info["Addresses"])
    assert "8080" not in env.in_ns(env.host, "nft", "list", "table", "ip", "hull").stdout
    assert not os.path.exists(os.path.join(env.root, "net/containers/dead"))
    env.stop(q)
    assert_clean(env)


def test_net_crashed_prepare_is_reclaimed(env):
    """A hull killed between net_prepare and net_attach leaves a record owned by a dead process."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    d = os.path.join(env.root, "net", "containers", "crashed")
    os.makedirs(d)
    rec = {"id": "crashed", "name": "crashed", "hostname": "crashed", "mode": "bridge", "mode_arg": "",
           "attached": False, "pid": 0, "pid_start": 0, "owner": gone.pid, "owner_start": 12345,
           "endpoints": [{"network": "bridge", "ip": "10.88.0.2", "host_veth": "hullv00000000", "ifname": "eth0",
                          "aliases": []}], "ports": [], "dns": [], "add_hosts": [], "cni_netns": ""}
    json.dump(rec, open(os.path.join(d, "net.json"), "w"))
    p = env.container("after")
    info = env.attach(p, "after")
    assert any(a["address"] == "10.88.0.2" for a in info["Addresses"])
    assert not os.path.exists(d)
    env.hull("network", "_release", "after")
    assert_clean(env)


def test_net_none_and_bad_input(env):
    p = env.container("solo")
    info = env.attach(p, "solo", "--network", "none", "--hostname", "lonely", "--dns", "192.0.2.53")
    assert [l["name"] for l in info["Interfaces"]] == ["lo"] and info["Interfaces"][0]["up"]
    assert open(os.path.join(env.root, "net/containers/solo/hostname")).read() == "lonely\n"
    assert "nameserver 192.0.2.53" in open(os.path.join(env.root, "net/containers/solo/resolv.conf")).read()
    q = env.container("bad")
    for flags, msg in ((["--network", "nosuch"], "network nosuch not found"),
                       (["--ip", "10.88.0.9"], "user defined networks only"),
                       (["-p", "80:80/sctp"], "invalid protocol \"sctp\""),
                       (["--network", "none", "-p", "80:80"], "published ports need a bridge network")):
        r = env.attach(q, "bad", *flags, check=False)
        assert r.returncode == 125 and msg in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(env.root, "net/containers/bad"))
    r = env.hull("network", "create", "--subnet", "10.88.5.0/24", "clash", check=False)
    assert r.returncode == 125 and "overlaps network bridge" in r.stderr
    r = env.hull("network", "create", "--subnet", "10.90.0.0/24", "--gateway", "10.91.0.1", "g", check=False)
    assert "is not a host address of subnet" in r.stderr
    r = env.hull("network", "rm", "bridge", check=False)
    assert r.returncode == 125 and "pre-defined" in r.stderr
    env.hull("network", "_release", "solo")
    assert_clean(env)


def test_net_cni_bridge_conflist(env):
    cni = os.path.join(env.root, "cni", "net.d")
    os.makedirs(cni)
    conf = {"cniVersion": "1.0.0", "name": "hullcni", "plugins": [
        {"type": "bridge", "bridge": "hullcni0", "isGateway": True, "ipMasq": False,
         "ipam": {"type": "host-local", "dataDir": os.path.join(env.root, "cni-ipam"),
                  "ranges": [[{"subnet": "10.99.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
        {"type": "tuning", "sysctl": {"net.core.somaxconn": "517"}}]}
    json.dump(conf, open(os.path.join(cni, "10-hull.conflist"), "w"))
    if not os.path.exists("/usr/lib/cni/bridge"):
        pytest.skip("containernetworking-plugins not installed")
    p = env.container("cn")
    info = env.attach(p, "cn", "--network", "cni:hullcni")
    assert any(a["address"] == "10.99.0.2" and a.get("ifname") == "eth0" for a in info["Addresses"])
    # the second plugin got the first's result (prevResult) and applied its sysctl in the container
    assert env.from_container(p, "sysctl", "-n", "net.core.somaxconn").stdout.strip() == "517"
    assert "10.99.0.2\tcn" in open(os.path.join(env.root, "net/containers/cn/hosts")).read()
    srv = subprocess.Popen(["ip", "netns", "exec", env.host, PY, "-c", SERVER.replace("80)", "8282)").replace(
        "90)", "9292)"), "cnihost"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(srv)
    assert srv.stdout.readline().strip() == "READY"
    assert env.connect(None, "tcp", "10.99.0.1", 8282, pid=p.pid) == "cnihost 10.99.0.2"
    assert os.path.exists(os.path.join(env.root, "cni-ipam", "hullcni", "10.99.0.2"))
    # CHECK passes on the live container, and fails once its interface is gone
    env.hull("network", "_check", "cn")
    env.from_container(p, "ip", "link", "del", "eth0")
    r = env.hull("network", "_check", "cn", check=False)
    assert r.returncode == 125 and "CNI plugin bridge CHECK failed" in r.stderr, r.stderr
    env.hull("network", "_release", "cn")
    assert not os.path.exists(os.path.join(env.root, "cni-ipam", "hullcni", "10.99.0.2"))
    links = env.in_ns(env.host, "ip", "-o", "link").stdout
    assert "master hullcni0" not in links
    env.in_ns(env.host, "ip", "link", "del", "hullcni0")  # the bridge plugin never removes its bridge
    assert_clean(env)


def test_net_subnet_clash_with_existing_route(env):
    """Another engine's bridge (podman's default is 10.88.0.0/16 too) already routes the subnet."""
    env.ip(env.host, "link", "add", "hullt-other", "type", "bridge")
    try:
        env.ip(env.host, "addr", "add", "10.88.0.1/16", "dev", "hullt-other")
        env.ip(env.host, "addr", "add", "10.89.0.1/24", "dev", "hullt-other")
        env.ip(env.host, "link", "set", "hullt-other", "up")
        p = env.container("cl")
        r = env.attach(p, "cl", check=False)
        assert r.returncode == 125 and "overlaps the route 10.88.0.0/16 dev hullt-other" in r.stderr, r.stderr
        assert "hull0" not in env.in_ns(env.host, "ip", "-o", "link").stdout
        # an automatic subnet skips what the netns routes already
        env.hull("network", "create", "auto")
        assert json.loads(env.hull("network", "inspect", "auto").stdout)[0]["Subnet"] == "10.89.1.0/24"
        env.attach(p, "cl", "--network", "auto")
        env.hull("network", "_release", "cl")
        env.hull("network", "rm", "auto")
    finally:
        env.ip(env.host, "link", "del", "hullt-other")
    assert_clean(env)


def test_net_nft_drift_is_repaired(env):
    """hull skips nftables when its table is as it left it (the netns's generation id unchanged); a change
    by anyone else moves the generation, and the next change of hull's replaces the table whole."""
    a = env.container("da")
    env.attach(a, "da")
    table = lambda: env.in_ns(env.host, "nft", "list", "table", "ip", "hull").stdout
    assert "masquerade" in table()
    env.in_ns(env.host, "nft", "flush", "chain", "ip", "hull", "postrouting")
    env.in_ns(env.host, "nft", "add", "rule", "ip", "hull", "publish", "tcp", "dport", "9999", "drop")
    b = env.container("db")
    env.attach(b, "db", "-p", "8080:80")
    t = table()
    assert "ip saddr 10.88.0.0/16 oifname != \"hull0\" masquerade" in t and "9999" not in t
    assert env.connect(env.client, "tcp", "192.168.77.1", 8080) == "db 192.168.77.2"
    env.hull("network", "_release", "db")
    assert "8080" not in table() and "masquerade" in table()
    env.stop(a)
    env.stop(b)
    assert_clean(env)


def hold_netns(env, p):
    """A process keeping p's network namespace alive after p dies (as a container sharing it would)."""
    h = subprocess.Popen(["nsenter", "-t", str(p.pid), "-n", "sh", "-c", "echo in; exec sleep 60"],
                         stdout=subprocess.PIPE, text=True)
    env.procs.append(h)
    assert h.stdout.readline().strip() == "in"
    return h


def test_net_release_leaves_veth_to_the_kernel_and_keeps_its_address(env):
    """Released after its container died, an endpoint's veth is left to the namespace's destruction; its
    address stays taken while the veth exists; a veth whose namespace something else still holds is
    deleted a grace period later by any network command."""
    p = env.container("gone")
    env.attach(p, "gone")
    holder = hold_netns(env, p)
    env.stop(p)
    env.hull("network", "_release", "gone")
    assert os.listdir(os.path.join(env.root, "net", "draining"))
    assert "hullv" in env.snapshot()[0]  # the held namespace keeps its pair
    q = env.container("next")
    info = env.attach(q, "next")
    assert not any(a["address"] == "10.88.0.2" for a in info["Addresses"])
    assert any(a["address"] == "10.88.0.3" for a in info["Addresses"])
    env.hull("network", "_release", "next")
    env.stop(q)
    time.sleep(1.2)
    env.hull("network", "ls")  # no reconcile here: the veth of the held namespace stays
    assert os.listdir(os.path.join(env.root, "net", "draining"))
    env.hull("network", "_reconcile")
    assert not os.listdir(os.path.join(env.root, "net", "draining"))
    assert "hullv" not in env.snapshot()[0]
    env.stop(holder)
    assert_clean(env)


def test_net_reattach_under_the_same_veth_name(env):
    """A container restarted at once gets the same host veth name while its old pair may still exist."""
    p = env.container("again")
    env.attach(p, "again")
    holder = hold_netns(env, p)
    env.stop(p)
    env.hull("network", "_release", "again")
    q = env.container("again2")
    info = env.attach(q, "again")
    assert any(a["address"].startswith("10.88.0.") for a in info["Addresses"])
    assert env.from_container(q, "ip", "-o", "-4", "addr", "show", "eth0").stdout.count("10.88.0.") == 1
    env.hull("network", "_release", "again")
    env.stop(q)
    env.stop(holder)
    assert_clean(env)
