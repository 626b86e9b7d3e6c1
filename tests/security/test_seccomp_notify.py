"""SCMP_ACT_NOTIFY end to end: the runtime hands the listener fd to the agent at linux.seccomp.listenerPath
with the ContainerProcessState (runtime-spec runtime.md), and the agent's answer is what the container's
syscall returns. Same under runc."""
import array
import fcntl
import json
import os
import socket
import struct
import threading

import hullharness as hh

NOTIF_RECV = 0xC0502100   # _IOWR('!', 0, struct seccomp_notif)       (80 bytes)
NOTIF_SEND = 0xC0182101   # _IOWR('!', 1, struct seccomp_notif_resp)  (24 bytes)
SYS_MKDIR = 83
ENOSPC = 28


class Agent:
    def __init__(self, d):
        self.path = os.path.join(d, "agent.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.sock.settimeout(20)
        self.state = None
        self.served = []
        self.error = None
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        try:
            conn, _ = self.sock.accept()
            fds = array.array("i")
            msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
            for level, typ, data in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                    fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
            while not msg.endswith(b"}"):
                more = conn.recv(65536)
                if not more:
                    break
                msg += more
            conn.close()
            self.state = json.loads(msg)
            self.fd_link = os.readlink("/proc/self/fd/%d" % fds[0])
            buf = bytearray(80)
            fcntl.ioctl(fds[0], NOTIF_RECV, buf)
            nid, pid, flags, nr = struct.unpack_from("=QIIi", buf)
            self.served.append(nr)
            fcntl.ioctl(fds[0], NOTIF_SEND, bytearray(struct.pack("=Qqii", nid, 0, -ENOSPC, 0)))
            os.close(fds[0])
        except Exception as e:  # reported by the test
            self.error = e

    def close(self):
        self.sock.close()


def test_notify_agent_answers(rt, make_bundle, tmp_path):
    agent = Agent(str(tmp_path))
    try:
        b = make_bundle(["/hull-helper", "syscall", "mkdir"])
        b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": agent.path,
                              "listenerMetadata": "hull-test-metadata",
                              "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}
        r = rt.run(b)
        agent.t.join(20)
        assert agent.error is None, agent.error
        assert r.rc == 0, r.stderr
        res = hh.parse_last_json(r.stdout)
        assert res["errno"] == ENOSPC, res
        assert agent.served == [SYS_MKDIR]
        st = agent.state
        assert agent.fd_link == "anon_inode:seccomp notify"
        assert st["fds"] == ["seccompFd"]
        assert st["metadata"] == "hull-test-metadata"
        assert st["pid"] > 0
        assert st["state"]["id"] == b.id
        assert st["state"]["bundle"] == b.path
        assert st["ociVersion"].startswith("1.")
    finally:
        agent.close()
