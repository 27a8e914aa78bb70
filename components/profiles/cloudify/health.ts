/**
 * The managers' health endpoint for the load balancer (Cloudify 4.x).
 *
 * Cloudify's HA guide (cloudify-cosmo/docs.getcloudify.org,
 * content/working_with/manager/high-availability-clusters.md, "Finding the Active Cloudify Manager")
 * documents `GET /api/v3.1/status`: 200 on the active manager, 400 on the others, but only for a
 * request that carries REST API credentials. AWS target-group health checks cannot send headers, so
 * every manager would fail them and an NLB then fails open to all targets, standbys included. Each
 * manager therefore runs this small service: it asks its own REST API with the credentials and
 * answers the load balancer's plain GET with 200 only when the local manager is the active one.
 *
 * Python because Cloudify 4.x runs on CentOS/RHEL 7, where python 2.7 is always installed; the code
 * runs on python 2.7 and 3 alike (the tests run it with the machine's python3).
 */
import type { RenderedFile } from "../types";

/** Port of the health endpoint; Cloudify 4.x uses no such port (its ports are in the profile). */
export const HEALTH_PORT = 8780;
export const HEALTH_PATH = "/active";
/** REST API user whose password is the stack's join secret (see docs/profiles.md, Cloudify). */
export const REST_USER = "admin";
export const REST_TENANT = "default_tenant";
export const HEALTH_UNIT = "ha-service-cloudify-health.service";

const HEALTH_SERVICE = `#!/usr/bin/env python
# Health endpoint for the load balancer: 200 only while the local Cloudify manager is the active one.
# Cloudify 4.x HA guide (docs.getcloudify.org, content/working_with/manager/high-availability-clusters.md):
# GET /api/v3.1/status answers 200 on the active manager and 400 on the others, only with credentials.
# Runs on python 2.7 (CentOS/RHEL 7) and python 3. Usage: cloudify-health.py CONFIG.json
from __future__ import print_function

import base64
import json
import socket
import ssl
import sys

try:
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from urllib.error import HTTPError, URLError
    from urllib.request import Request, urlopen
except ImportError:  # python 2.7
    from BaseHTTPServer import BaseHTTPRequestHandler, HTTPServer
    from urllib2 import HTTPError, Request, URLError, urlopen


def load_config(path):
    with open(path) as f:
        return json.load(f)


def read_password(path):
    # Read on every check: a rotated secret (re-fetched from SSM by the apply script) takes effect at once.
    with open(path) as f:
        return f.read().strip()


def ask_status(config):
    """(status code of the local REST API, or None when it does not answer, reason)."""
    try:
        password = read_password(config["passwordFile"])
    except (IOError, OSError):
        return None, "credentials file unreadable"
    token = base64.b64encode(("%s:%s" % (config["user"], password)).encode("utf-8")).decode("ascii")
    request = Request(config["statusUrl"], headers={"Authorization": "Basic " + token, "Tenant": config["tenant"]})
    kwargs = {"timeout": config["timeoutSeconds"]}
    if config["statusUrl"].startswith("https://"):
        # Loopback only: the manager's certificate names its own address, not 127.0.0.1.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        kwargs["context"] = context
    try:
        response = urlopen(request, **kwargs)
        return response.getcode(), "answered"
    except HTTPError as e:
        return e.code, "answered"
    except (URLError, socket.error, ssl.SSLError) as e:
        return None, "REST API unreachable: %s" % (e,)
    except Exception as e:  # a dropped connection is BadStatusLine on python 2.7: still "no answer"
        return None, "REST API gave no answer: %s" % (e,)


def decide(code, reason):
    """(HTTP code for the load balancer, body): 200 only for the active manager."""
    if code == 200:
        return 200, "active"
    if code == 400:
        return 503, "standby"
    if code in (401, 403):
        return 503, "the REST API refused the credentials"
    if code is None:
        return 503, reason
    return 503, "unexpected status %d from the REST API" % code


def make_handler(config):
    class Handler(BaseHTTPRequestHandler):
        last = [None]

        def answer(self, with_body):
            if self.path != config["path"]:
                code, body = 404, "not found"
            else:
                code, body = decide(*ask_status(config))
                if body != Handler.last[0]:
                    # Log state changes only: the load balancer checks several times a minute.
                    print("health: %s (%d)" % (body, code), file=sys.stderr)
                    sys.stderr.flush()
                    Handler.last[0] = body
            data = (body + "\\n").encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if with_body:
                self.wfile.write(data)

        def do_GET(self):
            self.answer(True)

        def do_HEAD(self):
            self.answer(False)

        def log_message(self, *args):
            pass

    return Handler


def main(argv):
    config = load_config(argv[1])
    server = HTTPServer((config["listen"], config["port"]), make_handler(config))
    print("health: listening on %s:%d%s" % (config["listen"], config["port"], config["path"]), file=sys.stderr)
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
`;

export interface HealthConfig {
    readonly listen: string;
    readonly port: number;
    readonly path: string;
    readonly statusUrl: string;
    readonly user: string;
    readonly tenant: string;
    readonly passwordFile: string;
    readonly timeoutSeconds: number;
}

/** The endpoint's settings on a node: its own REST API on loopback, the join secret as the password. */
export function healthConfig(stateDir: string): HealthConfig {
    return {
        listen: "0.0.0.0",
        port: HEALTH_PORT,
        path: HEALTH_PATH,
        statusUrl: "https://127.0.0.1/api/v3.1/status",
        user: REST_USER,
        tenant: REST_TENANT,
        // Fetched from the SSM SecureString by the apply script (root-only); never in user data.
        passwordFile: `${stateDir}/join-secret`,
        // Below the target group's health-check timeout, so a hung REST API reads as a failure.
        timeoutSeconds: 3,
    };
}

export const healthScriptPath = (stateDir: string) => `${stateDir}/cloudify-health.py`;
export const healthConfigPath = (stateDir: string) => `${stateDir}/cloudify-health.json`;
export const healthUnitPath = (stateDir: string) => `${stateDir}/${HEALTH_UNIT}`;

/** The service itself: the same on every node (a profile asset). */
export function healthAsset(stateDir: string): RenderedFile {
    return { path: healthScriptPath(stateDir), mode: "0700", content: HEALTH_SERVICE };
}

/** The service's settings and its systemd unit (starts at boot, restarted whenever it stops). */
export function healthFiles(stateDir: string): RenderedFile[] {
    const unit = `[Unit]
Description=Load-balancer health endpoint: 200 only on the active Cloudify manager
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/python ${healthScriptPath(stateDir)} ${healthConfigPath(stateDir)}
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
    return [
        { path: healthConfigPath(stateDir), mode: "0600", content: `${JSON.stringify(healthConfig(stateDir), null, 2)}\n` },
        { path: healthUnitPath(stateDir), mode: "0644", content: unit },
    ];
}

/**
 * Links and enables the unit from the state directory (the unit file lives beside the service, so
 * the package owns nothing under /etc/systemd), then restarts it so a changed script takes effect.
 */
export function healthCommands(stateDir: string): string[] {
    // Three steps, not one `a && b` line: under `set -e` a failure inside an && list does not stop the script.
    return [`systemctl enable ${healthUnitPath(stateDir)}`, "systemctl daemon-reload", `systemctl restart ${HEALTH_UNIT}`];
}
