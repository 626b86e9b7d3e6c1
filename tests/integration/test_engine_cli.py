"""hull's docker command line beyond the lifecycle: ps --filter, stats (streaming and --no-stream), detached
exec with and without a terminal, and create racing rmi of the same image."""
import json
import os
import random
import select
import signal
import subprocess
import time

from enginefix import eng, image_tars, IMAGE, EP_IMAGE  # noqa: F401 (fixtures)


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
