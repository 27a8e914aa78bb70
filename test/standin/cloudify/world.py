"""
Shared state of the stand-ins for Cloudify Manager 4.x (`cfy`, `curl`, `aws`, `systemctl`, the REST
API): every manager, the clusters, the SSM parameters and each node's CLI profile, in one JSON file
under $STANDIN_WORLD, changed under a lock. Each stand-in records its call in calls.jsonl and
enforces what Cloudify's HA guide documents (docs.getcloudify.org,
content/working_with/manager/high-availability-clusters.md). $STANDIN_SELF is the address of the
manager the calling script runs on.
"""
import contextlib
import fcntl
import json
import os
import re
import sys

IPV4 = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")


def world_dir():
    return os.environ["STANDIN_WORLD"]


def self_ip():
    return os.environ["STANDIN_SELF"]


@contextlib.contextmanager
def world():
    """The world, locked; written back when the block ends without an exception."""
    with open(os.path.join(world_dir(), "world.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = os.path.join(world_dir(), "world.json")
        with open(path) as f:
            state = json.load(f)
        yield state
        with open(path + ".new", "w") as f:
            json.dump(state, f, indent=1, sort_keys=True)
        os.replace(path + ".new", path)


def record(tool, argv, **extra):
    entry = dict(tool=tool, self=os.environ.get("STANDIN_SELF"), argv=argv, **extra)
    with open(os.path.join(world_dir(), "calls.jsonl"), "a") as f:
        f.write(json.dumps(entry) + "\n")


def fail(message, code=1):
    sys.stderr.write("stand-in: %s\n" % message)
    sys.exit(code)


def is_ipv4(text):
    m = IPV4.match(text or "")
    return bool(m) and all(0 <= int(p) <= 255 for p in m.groups())


def manager_at(state, ip):
    if ip == "127.0.0.1":
        ip = self_ip()
    return ip, state["managers"].get(ip)


def role(state, manager):
    """active, standby or standalone (a manager in no cluster answers like an active one)."""
    cluster = manager.get("cluster")
    if cluster is None:
        return "standalone"
    return "active" if state["clusters"][cluster]["active"] == manager["name"] else "standby"


def status_code(state, ip, credentials):
    """HTTP code of GET /api/v3.1/status, or None when nothing answers."""
    _, manager = manager_at(state, ip)
    if manager is None or not manager["up"]:
        return None
    if credentials != "admin:%s" % manager["password"]:
        return 401
    return 400 if role(state, manager) == "standby" else 200
