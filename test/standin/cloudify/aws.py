#!/usr/bin/python3
"""Stand-in `aws ssm get-parameter / put-parameter` over the world's parameters."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from world import fail, record, world  # noqa: E402


def value_of(argv, name):
    return argv[argv.index(name) + 1] if name in argv else None


def main(argv):
    record("aws", argv)
    name = value_of(argv, "--name")
    with world() as state:
        params = state["parameters"]
        if argv[:2] == ["ssm", "get-parameter"]:
            if name not in params:
                fail("An error occurred (ParameterNotFound) when calling the GetParameter operation", 254)
            print(params[name])
            return
        if argv[:2] == ["ssm", "put-parameter"]:
            if name in params and "--overwrite" not in argv:
                fail("An error occurred (ParameterAlreadyExists) when calling the PutParameter operation", 254)
            params[name] = value_of(argv, "--value")
            return
        if argv[:2] == ["s3", "cp"]:
            paths = [a for a in argv[2:] if not a.startswith("--") and a != value_of(argv, "--region")]
            source, target = paths
            if not target.startswith("s3://") or not os.path.isfile(source):
                fail("s3 cp: needs a local file and an s3:// target", 2)
            bucket, key = target[len("s3://") :].split("/", 1)
            objects = state.setdefault("s3", {}).setdefault(bucket, {})
            objects[key] = open(source).read()
            return
    fail("unsupported aws call: %s" % " ".join(argv), 2)


main(sys.argv[1:])
