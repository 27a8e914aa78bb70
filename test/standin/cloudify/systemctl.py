#!/usr/bin/python3
"""Stand-in `systemctl`: enable (a unit file path: it must start at boot and restart on failure), daemon-reload, restart."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from world import fail, record, self_ip, world  # noqa: E402


def main(argv):
    record("systemctl", argv)
    with world() as state:
        units = state["units"].setdefault(self_ip(), {})
        if argv[0] == "link":
            path = argv[1]
            if not os.path.isabs(path) or not os.path.exists(path):
                fail("unit file %s does not exist" % path)
            units.setdefault(os.path.basename(path), {"enabled": False, "running": False, "path": path})
            return
        if argv[0] == "enable" and argv[1].endswith(".timer"):
            path = argv[1]
            if not os.path.isabs(path) or not os.path.exists(path):
                fail("unit file %s does not exist" % path)
            text = open(path).read().splitlines()
            for needed in ("Persistent=true", "WantedBy=timers.target"):
                if needed not in text:
                    fail("%s lacks %s" % (path, needed))
            if not any(line.startswith("OnCalendar=") for line in text):
                fail("%s has no OnCalendar" % path)
            service = os.path.basename(path)[: -len(".timer")] + ".service"
            if service not in units:
                fail("%s: its service %s is not linked" % (path, service))
            units[os.path.basename(path)] = {"enabled": True, "running": False, "path": path}
            return
        if argv[0] == "enable":
            path = argv[1]
            if not os.path.isabs(path) or not os.path.exists(path):
                fail("unit file %s does not exist" % path)
            text = open(path).read()
            for needed in ("Restart=always", "WantedBy=multi-user.target"):
                if needed not in text.splitlines():
                    fail("%s lacks %s" % (path, needed))
            exec_start = re.search(r"^ExecStart=(\S+) (\S+) (\S+)$", text, re.M)
            if not exec_start or not all(os.path.exists(p) for p in exec_start.groups()[1:]):
                fail("%s: ExecStart names a missing file" % path)
            units[os.path.basename(path)] = {"enabled": True, "running": False, "path": path}
            return
        if argv[0] == "daemon-reload":
            return
        if argv[0] == "restart":
            if argv[1] not in units or not units[argv[1]]["enabled"]:
                fail("unit %s not found" % argv[1], 5)
            units[argv[1]]["running"] = True
            units[argv[1]]["restarts"] = units[argv[1]].get("restarts", 0) + 1
            return
    fail("unsupported systemctl call: %s" % " ".join(argv), 2)


main(sys.argv[1:])
