#!/usr/bin/python3
"""
Stand-in REST API of one manager for the health endpoint's tests: GET /api/v3.1/status answers from
the world (200 active, 400 standby, 401 without the right Basic credentials); a manager that is down
closes the connection without an answer. Usage: rest-api.py WORLD_DIR MANAGER_IP PORT_FILE
"""
import base64
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
os.environ["STANDIN_WORLD"] = sys.argv[1]
os.environ["STANDIN_SELF"] = sys.argv[2]
from world import record, status_code, world  # noqa: E402


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        credentials = base64.b64decode(auth[6:]).decode() if auth.startswith("Basic ") else None
        record("rest-api", [self.path], tenant=self.headers.get("Tenant"))
        with world() as state:
            code = status_code(state, sys.argv[2], credentials) if self.path == "/api/v3.1/status" else 404
        if code is None:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[3], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
