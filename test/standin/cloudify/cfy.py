#!/usr/bin/python3
"""Stand-in `cfy` (Cloudify 4.x CLI): profiles use, cluster start/join, cluster nodes list/remove."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from world import fail, is_ipv4, manager_at, record, role, self_ip, world  # noqa: E402


def option(args, name):
    if name not in args:
        fail("missing %s" % name, 2)
    i = args.index(name)
    value = args[i + 1]
    del args[i : i + 2]
    return value


def credentials_ok(manager):
    return os.environ.get("CLOUDIFY_USERNAME") == "admin" and os.environ.get("CLOUDIFY_PASSWORD") == manager["password"]


def main(argv):
    with world() as state:
        target_ip = state["profiles"].get(self_ip())
        record("cfy", argv, profile=target_ip)
        if argv[:2] == ["profiles", "use"]:
            ip, manager = manager_at(state, argv[2])
            if manager is None or not manager["up"]:
                fail("no manager answers at %s" % argv[2])
            state["profiles"][self_ip()] = ip
            print("Using manager %s" % ip)
            return
        if target_ip is None:
            fail("no CLI profile: run cfy profiles use first")
        ip, target = manager_at(state, target_ip)
        if target is None or not target["up"]:
            fail("the profile's manager %s does not answer" % target_ip)
        if not credentials_ok(target):
            fail("401: bad REST credentials (CLOUDIFY_USERNAME / CLOUDIFY_PASSWORD)")
        args = list(argv[2:])
        if argv[:2] == ["cluster", "start"]:
            host_ip = option(args, "--cluster-host-ip")
            name = option(args, "--cluster-node-name")
            if ip != self_ip():
                fail("cluster start runs on the manager itself (profile %s, node %s)" % (ip, self_ip()))
            if not is_ipv4(host_ip) or host_ip != ip:
                fail("--cluster-host-ip must be this manager's IP address, not %r" % host_ip)
            if target.get("cluster") is not None:
                fail("this manager is in a cluster already")
            cluster = "cluster-%d" % (len(state["clusters"]) + 1)
            state["clusters"][cluster] = {"active": name, "members": {name: ip}, "startedBy": name}
            target.update(cluster=cluster, empty=False, name=name)
            print("HA Cluster started")
            return
        if argv[:2] == ["cluster", "join"]:
            host_ip = option(args, "--cluster-host-ip")
            name = option(args, "--cluster-node-name")
            if len(args) != 1:
                fail("usage: cfy cluster join [--cluster-host-ip IP] --cluster-node-name NAME MASTER_IP", 2)
            master_ip = args[0]
            if ip != self_ip():
                fail("cluster join runs with the joining manager's profile (profile %s, node %s)" % (ip, self_ip()))
            if not is_ipv4(host_ip) or host_ip != ip:
                fail("--cluster-host-ip must be this manager's IP address (hostnames are not supported), not %r" % host_ip)
            if not is_ipv4(master_ip):
                fail("the master must be given by IP address, not %r" % master_ip)
            if target.get("cluster") is not None or not target["empty"]:
                fail("a manager that joins must be empty")
            _, master = manager_at(state, master_ip)
            if master is None or not master["up"] or master.get("cluster") is None or role(state, master) != "active":
                fail("%s is not the active manager of a cluster" % master_ip)
            cluster = state["clusters"][master["cluster"]]
            if name in cluster["members"]:
                fail("a node named %s is a member already" % name)
            cluster["members"][name] = ip
            target.update(cluster=master["cluster"], empty=False, name=name)
            print("Joined the cluster")
            return
        if argv[:3] == ["cluster", "nodes", "list"] or argv[:3] == ["cluster", "nodes", "remove"]:
            if target.get("cluster") is None:
                fail("this manager is not part of a cluster")
            if role(state, target) != "active":
                fail("operations can only be performed on the active manager (%s is a standby)" % ip)
            cluster = state["clusters"][target["cluster"]]
            if argv[2] == "list":
                print("+------+---------+--------+")
                print("| name | host_ip | state  |")
                print("+------+---------+--------+")
                for name, member_ip in sorted(cluster["members"].items()):
                    print("| %s | %s | %s |" % (name, member_ip, "leader" if name == cluster["active"] else "replica"))
                print("+------+---------+--------+")
                return
            name = argv[3]
            if name not in cluster["members"]:
                fail("%s is not a member of the cluster" % name)
            if name == cluster["active"]:
                fail("the active manager cannot remove itself")
            del cluster["members"][name]
            print("Node %s removed" % name)
            return
        if argv[0] == "snapshots":
            # Snapshots are operations too: the active manager (or a manager in no cluster) only.
            if role(state, target) == "standby":
                fail("operations can only be performed on the active manager (%s is a standby)" % ip)
            snapshots = state.setdefault("snapshots", {}).setdefault(ip, {})
            if argv[1] == "create":
                if argv[2] in snapshots:
                    fail("snapshot %s exists" % argv[2])
                snapshots[argv[2]] = "created"
                print("Started workflow execution to create snapshot %s" % argv[2])
                return
            if argv[1] == "list":
                print("+----+------------+---------+-------+")
                print("| id | created_at | status  | error |")
                print("+----+------------+---------+-------+")
                for sid, status in sorted(snapshots.items()):
                    print("| %s | 2026-12-01 | %s |  |" % (sid, status))
                print("+----+------------+---------+-------+")
                return
            if argv[1] == "download":
                if argv[2] not in snapshots:
                    fail("no snapshot %s" % argv[2])
                path = option(list(argv[3:]), "--output-path")
                with open(path, "w") as f:
                    f.write("snapshot %s of manager %s\n" % (argv[2], target["name"]))
                return
            if argv[1] == "delete":
                if snapshots.pop(argv[2], None) is None:
                    fail("no snapshot %s" % argv[2])
                return
        fail("unsupported cfy call: %s" % " ".join(argv), 2)


main(sys.argv[1:])
