#!/usr/bin/python3
"""
Stand-in broker, for test speed only: one Python that has imported the stand-ins' modules (json, re,
world.py) once, listening on 127.0.0.1, and forking a child per call that runs the stand-in (cfy.py,
aws.py, systemctl.py, curl.py) as its own process would: with the caller's arguments, environment and
working directory, answering its exit code, standard output and standard error. Starting Python with
json imported costs about 30 ms of CPU on the build machine, a fork about 1 ms, and the Cloudify tests
make about 190 stand-in calls per run (docs/development.md, "Test run time"). The stand-ins' names
on PATH are links to `call`, which runs the stand-in itself when no broker is given. Each call still
records itself and enforces its rules in the stand-in's own code.

Usage: broker.py PORT_FILE. Writes the port it listens on to PORT_FILE. On SIGTERM (Lab.close), or
when its parent is gone, it waits for the calls still running and exits, so the test process that
waits for it counts the CPU time of every call.
Request (NUL-terminated fields): tool, working directory, the caller's process id, the number of environment entries and the
entries (NAME=VALUE), the number of arguments and the arguments. Answer: exit code, stdout, stderr,
each NUL-terminated. An argument naming one of the caller's file descriptors (/dev/fd/N, as bash's
`<(...)` passes it, or /dev/stdin) reads what the caller's descriptor holds: the child opens it through
/proc/<caller>/fd/N and puts it at the same number, and the argument stays as the caller wrote it.
"""
import os
import re
import signal
import socketserver
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)
import world  # noqa: E402,F401  (imported once, with json and re, for every call)

TOOLS = ("cfy.py", "aws.py", "systemctl.py", "curl.py")
# Each stand-in compiled once (runpy would read and compile it again in every child).
CODE = {}
for _tool in TOOLS:
    with open(os.path.join(HERE, _tool)) as _f:
        CODE[_tool] = compile(_f.read(), os.path.join(HERE, _tool), "exec")


class Call(socketserver.BaseRequestHandler):
    """Runs in the child the server forks for the connection; the child exits after it."""

    def fields(self):
        data = b""
        while True:
            chunk = self.request.recv(65536)
            if not chunk:
                raise EOFError("request cut short")
            data += chunk
            parts = data.split(b"\0")
            try:
                tool, cwd, pid, n_env = parts[0], parts[1], int(parts[2]), int(parts[3])
                env = parts[4 : 4 + n_env]
                n_args = int(parts[4 + n_env])
                args = parts[5 + n_env : 5 + n_env + n_args]
                if len(args) == n_args and len(parts) > 5 + n_env + n_args:
                    return tool.decode(), cwd, pid, env, args
            except (IndexError, ValueError):
                pass

    def handle(self):
        tool, cwd, pid, env, args = self.fields()
        if tool not in TOOLS:
            self.answer(2, b"", b"broker: no stand-in %s\n" % tool.encode())
            return
        path = os.path.join(HERE, tool)
        os.chdir(cwd)
        os.environ.clear()
        for entry in env:
            name, _, value = entry.partition(b"=")
            os.environb[name] = value
        sys.argv = [path] + [os.fsdecode(a) for a in args]
        for a in sys.argv[1:]:
            m = re.match(r"^/dev/(?:fd/(\d+)|(stdin))$", a)
            if m:
                fd = int(m.group(1) or 0)
                opened = os.open("/proc/%d/fd/%d" % (pid, fd), os.O_RDONLY)
                if opened != fd:
                    os.dup2(opened, fd)
                    os.close(opened)
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        code = 0
        try:
            exec(CODE[tool], {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})
        except SystemExit as e:
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                sys.stderr.write("%s\n" % e.code)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        out.seek(0)
        err.seek(0)
        self.answer(code, out.read(), err.read())

    def answer(self, code, out, err):
        self.request.sendall(b"%d\0%s\0%s\0" % (code, out, err))


class Server(socketserver.ForkingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    timeout = 1


def stop(*_):
    raise SystemExit(0)


def main(port_file):
    parent = os.getppid()
    server = Server(("127.0.0.1", 0), Call)
    with open(port_file + ".new", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".new", port_file)
    signal.signal(signal.SIGTERM, stop)
    try:
        while os.getppid() == parent:
            server.handle_request()
            server.collect_children()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.collect_children(blocking=True)


main(sys.argv[1])
