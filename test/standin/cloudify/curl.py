#!/usr/bin/python3
"""Stand-in `curl`: instance metadata, and GET /api/v3.1/status and /version of a manager's REST API."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from world import fail, manager_at, record, status_code, world  # noqa: E402

FLAGS_WITH_VALUE = {"-o", "-w", "--max-time", "-K", "-H", "-X"}


def main(argv):
    opts, url, fail_on_error, i = {}, None, False, 0
    while i < len(argv):
        a = argv[i]
        if a in FLAGS_WITH_VALUE:
            opts.setdefault(a, []).append(argv[i + 1])
            i += 2
            continue
        if a.startswith("-") and not a.startswith("--"):
            fail_on_error = fail_on_error or "f" in a
        elif not a.startswith("-"):
            url = a
        i += 1
    credentials = None
    for path in opts.get("-K", []):
        with open(path) as f:
            m = re.search(r'^user = "(.*)"$', f.read(), re.M)
            credentials = m.group(1) if m else None
    record("curl", [a for a in argv if a not in opts.get("-K", [])], url=url)
    if url.startswith("http://169.254.169.254/"):
        sys.stdout.write("token" if url.endswith("/api/token") else "us-east-1")
        return
    m = re.match(r"^https://([^/]+)(/api/v3\.1/(status|version))$", url)
    if not m:
        fail("unsupported URL %s" % url, 2)
    with world() as state:
        code = status_code(state, m.group(1), credentials)
        _, manager = manager_at(state, m.group(1))
    if code is None:
        if "-w" in opts:
            sys.stdout.write("000")
        fail("connection refused: %s" % url, 7)
    if m.group(3) == "version" and code == 400:
        code = 200  # every manager reports its version
    body = json.dumps({"version": manager["version"]}) if m.group(3) == "version" and code == 200 else "{}"
    if fail_on_error and code >= 400:
        fail("The requested URL returned error: %d" % code, 22)
    if opts.get("-o") != ["/dev/null"]:
        sys.stdout.write(body)
    if "-w" in opts:
        sys.stdout.write(opts["-w"][0].replace("%{http_code}", str(code)))


main(sys.argv[1:])
