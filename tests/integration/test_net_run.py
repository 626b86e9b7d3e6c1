"""`hull run` with networking (src/net wired into the engine), every hull command run inside a network
namespace made here with `nsenter --net` (no private mount namespace, so the monitor's mounts are the
ones later commands see). Topology and the teardown comparison come from test_net.Env."""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

import engine_image as EI
from test_net import CLIENT, HULL, PY, Env, assert_clean, sh

IMAGE = "hulltest/bbnet:1"
pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(HULL), reason="needs root and build/hull")


@pytest.fixture(scope="module")
def image_tar(tmp_path_factory):
    p = str(tmp_path_factory.mktemp("hull-net-image") / "bb.tar")
    EI.docker_archive(p, IMAGE, {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"], "ExposedPorts": {"80/tcp": {}}})
    return p


class RunEnv(Env):
    def hull(self, *args, check=True, timeout=60):
        r = subprocess.run(["nsenter", "--net=/run/netns/" + self.host, HULL, "--root", self.root, *args],
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("hull %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def settings(self, name):
        return json.loads(self.hull("inspect", name).stdout)[0]["NetworkSettings"]

    def close(self):
        # rm inside the test netns: that is where the container's veths and rules are
        d = os.path.join(self.root, "containers")
        for cid in (os.listdir(d) if os.path.isdir(d) else []):
            self.hull("rm", "-f", cid, check=False)
        super().close()


@pytest.fixture
def renv(image_tar):
    e = RunEnv()
    try:
        e.hull("load", "-i", image_tar)
        yield e
    finally:
        e.close()


SERVE = "while true; do echo hi-from-$0 | nc -l -p 80; done"


def wait_tcp(env, ns, host, port, timeout=5):
    end = time.time() + timeout
    while True:
        r = env.in_ns(ns, PY, "-c", CLIENT, "tcp", host, str(port), check=False)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
        if time.time() > end:
            raise AssertionError("no answer on %s:%d: %s" % (host, port, r.stderr))
        time.sleep(0.05)


def test_net_run_bridge_publish_and_rm(renv):
    cid = renv.hull("run", "-d", "--name", "web", "--network", "bridge", "-p", "8080:80", IMAGE,
                    "sh", "-c", SERVE, "web").stdout.strip()
    s = renv.settings("web")
    assert s["IPAddress"] == "10.88.0.2" and s["Gateway"] == "10.88.0.1"
    assert s["Ports"] == {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}
    assert any(a["address"] == "10.88.0.2" and a.get("ifname") == "eth0" for a in s["Addresses"])
    assert "0.0.0.0:8080->80/tcp" in renv.hull("ps").stdout
    assert wait_tcp(renv, renv.client, "192.168.77.1", 8080) == "hi-from-web"
    assert wait_tcp(renv, renv.host, "127.0.0.1", 8080) == "hi-from-web"
    hosts = renv.hull("exec", "web", "cat", "/etc/hosts").stdout
    assert "10.88.0.2\t%s web" % cid[:12] in hosts
    # the container reaches the outside through NAT
    srv = subprocess.Popen(["ip", "netns", "exec", renv.remote, PY, "-c",
                            "import socket;s=socket.socket();s.bind(('0.0.0.0',7000));s.listen(1);print('READY',flush=True);"
                            "c,a=s.accept();c.sendall(a[0].encode());c.close()"], stdout=subprocess.PIPE, text=True)
    renv.procs.append(srv)
    assert srv.stdout.readline().strip() == "READY"
    out = renv.hull("exec", "web", "nc", "203.0.113.2", "7000").stdout.strip()
    assert out == "203.0.113.1"
    renv.hull("rm", "-f", "web")
    assert_clean(renv)


def test_net_run_user_network_by_name_and_container_mode(renv):
    renv.hull("network", "create", "--subnet", "10.89.44.0/24", "app")
    renv.hull("run", "-d", "--name", "db", "--network", "app", "--network-alias", "database", IMAGE, "sh", "-c", SERVE, "db")
    renv.hull("run", "-d", "--name", "api", "--network", "app", "--ip", "10.89.44.77", IMAGE, "sleep", "60")
    # by name and by alias, through the hosts file the engine bind-mounted and src/net rewrote in place
    for name in ("db", "database"):
        end = time.time() + 5
        while True:
            r = renv.hull("exec", "api", "sh", "-c", "nc %s 80 </dev/null" % name, check=False)
            if r.stdout.strip() == "hi-from-db" or time.time() > end:
                break
            time.sleep(0.05)
        assert r.stdout.strip() == "hi-from-db", r.stderr
    assert "10.89.44.77\t" in renv.hull("exec", "db", "cat", "/etc/hosts").stdout
    # container:api shares api's network namespace
    out = renv.hull("run", "--rm", "--network", "container:api", IMAGE, "sh", "-c", "ip -o -4 addr show eth0").stdout
    assert "10.89.44.77/24" in out
    # --rm with the default bridge: the address is released when it exits
    out = renv.hull("run", "--rm", "--network", "bridge", "--dns", "192.0.2.53", "--add-host", "x.test:192.0.2.9",
                    IMAGE, "sh", "-c", "cat /etc/resolv.conf /etc/hosts; ip -o -4 addr show eth0").stdout
    assert "nameserver 192.0.2.53" in out and "192.0.2.9\tx.test" in out and "10.88.0.2/16" in out
    # connect a running container to a second network, then disconnect it
    renv.hull("network", "connect", "bridge", "api")
    out = renv.hull("exec", "api", "ip", "-o", "-4", "addr").stdout
    assert "eth1" in out and "10.88.0." in out
    renv.hull("network", "disconnect", "bridge", "api")
    assert "eth1" not in renv.hull("exec", "api", "ip", "-o", "-4", "addr").stdout
    renv.hull("rm", "-f", "api", "db")
    renv.hull("network", "rm", "app")
    assert_clean(renv)


def test_net_run_publish_all_and_bad_flags(renv):
    renv.hull("run", "-d", "--name", "pa", "--network", "bridge", "-P", IMAGE, "sh", "-c", SERVE, "pa")
    ports = renv.settings("pa")["Ports"]
    hp = int(ports["80/tcp"][0]["HostPort"])
    assert wait_tcp(renv, renv.client, "192.168.77.1", hp) == "hi-from-pa"
    # a taken port: the start fails, the container stays created with nothing of the network left
    r = renv.hull("run", "-d", "--name", "clash", "--network", "bridge", "-p", "%d:80" % hp, IMAGE, "sleep", "5",
                  check=False)
    assert r.returncode == 125 and "port is already allocated" in r.stderr
    for flags, msg in ((["--network", "nosuch"], "network nosuch not found"), (["-p", "1:2:3:4"], "--publish"),
                       (["--ip", "10.88.0.9", "--network", "bridge"], "user defined networks only"),
                       (["--dns", "nope"], "--dns"), (["--network", "cni:nosuch"], "CNI network nosuch not found")):
        r = renv.hull("create", *flags, IMAGE, "true", check=False)
        assert r.returncode == 125 and msg in r.stderr, (flags, r.stderr)
    renv.hull("rm", "-f", "pa", "clash", check=False)
    assert_clean(renv)


def test_net_run_none_records_nothing_and_cannot_connect(renv):
    # --network none: its own netns with loopback up and the hosts/resolv.conf of the flags, nothing
    # recorded in src/net (nothing to release); joining a network is refused, as docker does
    out = renv.hull("run", "--rm", "--network", "none", "--dns", "192.0.2.53", "--add-host", "x.test:192.0.2.9",
                    "--hostname", "solo", IMAGE, "sh", "-c", "cat /etc/resolv.conf /etc/hosts; ip -o link").stdout
    assert "nameserver 192.0.2.53" in out and "192.0.2.9\tx.test" in out and "127.0.1.1\tsolo" in out, out
    links = [l for l in out.splitlines() if ": <" in l]
    assert len(links) == 1 and " lo: " in links[0] and ",UP" in links[0], out
    # the built-in runtime's init brings lo up (create_opts.loopback_up); with a --runtime binary the
    # monitor does it from outside, in the container's netns
    if os.path.exists("/usr/sbin/runc"):
        out = renv.hull("run", "--rm", "--runtime", "/usr/sbin/runc", "--network", "none", IMAGE,
                        "ip", "-o", "link").stdout
        assert " lo: " in out and ",UP" in out, out
    renv.hull("run", "-d", "--name", "alone", "--network", "none", IMAGE, "sleep", "60")
    records = os.path.join(renv.root, "net", "containers")
    assert not os.path.isdir(records) or os.listdir(records) == []
    r = renv.hull("network", "connect", "bridge", "alone", check=False)
    assert r.returncode == 125 and "has --network none: it cannot be connected" in r.stderr, r.stderr
    renv.hull("rm", "-f", "alone")
    assert_clean(renv)


def test_net_run_port_command(renv):
    # docker port: every binding, or the host address of one container port (tcp unless said)
    renv.hull("run", "-d", "--name", "pp", "--network", "bridge", "-p", "18088:80", "-p", "127.0.0.1:18089:81/udp",
              IMAGE, "sleep", "30")
    out = renv.hull("port", "pp").stdout.splitlines()
    assert "80/tcp -> 0.0.0.0:18088" in out and "81/udp -> 127.0.0.1:18089" in out, out
    assert renv.hull("port", "pp", "80").stdout == "0.0.0.0:18088\n"
    assert renv.hull("port", "pp", "81/udp").stdout == "127.0.0.1:18089\n"
    r = renv.hull("port", "pp", "90", check=False)
    assert r.returncode == 1 and "no public port '90/tcp' published for pp" in r.stderr, r.stderr
    renv.hull("rm", "-f", "pp")
    assert_clean(renv)


def test_net_run_monitor_killed_later_command_cleans(renv):
    renv.hull("run", "-d", "--name", "k9", "--network", "bridge", "-p", "8080:80", IMAGE, "sleep", "60")
    pid = json.loads(renv.hull("inspect", "k9").stdout)[0]["State"]["Pid"]
    monitor = int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])
    os.kill(monitor, 9)
    end = time.time() + 5
    while os.path.exists("/proc/%d" % monitor) and time.time() < end:
        time.sleep(0.02)
    renv.hull("ps", "-a")  # any later command repairs the container, and src/net releases its network
    assert "8080" not in renv.in_ns(renv.host, "nft", "list", "ruleset").stdout
    renv.hull("rm", "-f", "k9")
    assert_clean(renv)


def test_net_run_cni(renv):
    if not os.path.exists("/usr/lib/cni/bridge"):
        pytest.skip("containernetworking-plugins not installed")
    cni = os.path.join(renv.root, "cni", "net.d")
    os.makedirs(cni)
    ipam_dir = os.path.join(renv.root, "cni-ipam")
    json.dump({"cniVersion": "1.0.0", "name": "runcni", "plugins": [
        {"type": "bridge", "bridge": "hullcni1", "isGateway": True, "ipMasq": False,
         "ipam": {"type": "host-local", "dataDir": ipam_dir, "ranges": [[{"subnet": "10.98.0.0/24"}]]}}]},
        open(os.path.join(cni, "20-run.conflist"), "w"))
    renv.hull("run", "-d", "--name", "cn", "--network", "cni:runcni", IMAGE, "sleep", "60")
    out = renv.hull("exec", "cn", "sh", "-c", "ip -o -4 addr show eth0; cat /etc/hosts").stdout
    assert "10.98.0.2/24" in out and "10.98.0.2\t" in out
    assert renv.settings("cn")["IPAddress"] == "10.98.0.2"
    renv.hull("rm", "-f", "cn")
    assert not os.path.exists(os.path.join(ipam_dir, "runcni", "10.98.0.2"))
    assert "master hullcni1" not in renv.in_ns(renv.host, "ip", "-o", "link").stdout
    renv.in_ns(renv.host, "ip", "link", "del", "hullcni1")  # the CNI bridge plugin never removes its bridge
    assert_clean(renv)
