"""hull's docker command line beyond the lifecycle: ps --filter, stats (streaming and --no-stream), detached
exec with and without a terminal, and create racing rmi of the same image."""
import json
import os
import random
import select
import signal
import subprocess
import time

import engine_image as EI
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
