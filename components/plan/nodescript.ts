/**
 * Turns a node's rendered config (files and commands) into the bash script the node runs. Pure.
 *
 * The script is re-run whenever the node's documents change (the SSM association), so it must be
 * safe to repeat: it treats the files and commands as one ordered list of steps, compares them
 * with the record (`applied-steps`) of the last run that finished, and carries out every step from
 * the first one that differs. An unchanged join is therefore never repeated, while a changed step
 * (a new primary address, a new cluster.conf) runs again together with everything after it.
 *
 * When a step first differs, the script cuts the record down to the steps before it (removes it when
 * there are none, as on a node's first run), before carrying the step out; a run that finishes records its full
 * list. So a run that fails, or is killed (the SSM agent ends a timed-out or cancelled command with
 * SIGKILL, which no EXIT trap would see), leaves a record that ends where that run started to change
 * things: the same config retried runs again from that step, and going back to the previous config
 * (reverting a stack change) runs its steps from there too, rewriting the files and re-running the
 * commands the failed run may have changed. Were the record left as it was, it would still match the
 * previous config and nothing would run: the failed run's files (a cluster.conf that a later command
 * reads) and the effects of its commands (a replica that left its primary) would stay. A run that
 * fails before any step differs leaves the record as it was. Files are only compared through the
 * record, so a file that a service changed on the node is left alone while its rendered content and
 * the steps before it do not change.
 */
import type { NodeConfig, RenderedFile } from "../profiles";
import { shellQuote } from "../profiles/shell";

/** Closes each file's here-document; a file containing this line cannot be embedded. */
export const HEREDOC_END = "HA_SERVICE_EOF";

// Moved to the profiles (which quote too, and must not import the plan).
export { shellQuote };

function checkFile(f: RenderedFile): void {
    if (!f.path.startsWith("/")) throw new Error(`rendered file "${f.path}" must have an absolute path`);
    if (!/^0[0-7]{3}$/.test(f.mode)) throw new Error(`rendered file ${f.path}: mode "${f.mode}" must be octal such as 0644`);
    if (!f.content.endsWith("\n")) throw new Error(`rendered file ${f.path} must end with a newline`);
    if (f.content.split("\n").includes(HEREDOC_END)) throw new Error(`rendered file ${f.path} contains the line ${HEREDOC_END}`);
}

function checkCommand(c: string): void {
    if (c.trim() === "" || c.includes("\n")) throw new Error(`rendered command ${JSON.stringify(c)} must be one non-empty line`);
}

/** A profile asset the script fetches from SSM before its files (plan `replication.assets`). */
export interface ScriptAsset {
    readonly parameter: string;
    readonly path: string;
    readonly mode: string;
    readonly sha256: string;
}

/** The `fetch` step and its calls; empty without assets, so other profiles' scripts do not change. */
function assetSteps(assets: readonly ScriptAsset[]): string[] {
    if (assets.length === 0) return [];
    const fn = `# fetch PARAMETER PATH MODE SHA256: a step that writes PATH from the SSM parameter (the profile's
# asset, identical on every node) when it changed or is missing, and only if the content matches.
fetch() {
  local name=$1 path=$2 mode=$3 sum=$4 token region value tmp
  if step "asset \${path} \${mode} \${sum}" || [ ! -e "\${path}" ]; then
    token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
    region=$(curl -fsS -H "X-aws-ec2-metadata-token: \${token}" http://169.254.169.254/latest/meta-data/placement/region)
    value=$(aws ssm get-parameter --region "\${region}" --name "\${name}" --query Parameter.Value --output text)
    tmp=$(mktemp)
    printf '%s\\n' "\${value}" > "\${tmp}"
    if [ "$(sha256sum < "\${tmp}" | cut -d ' ' -f 1)" != "\${sum}" ]; then
      echo "\${name} does not hold the expected content of \${path} (yet): not applied" >&2
      rm -f "\${tmp}"
      return 1
    fi
    if [ ! -d "$(dirname "\${path}")" ]; then
      install -d -m 0755 "$(dirname "\${path}")"
    fi
    install -m "\${mode}" "\${tmp}" "\${path}.new"
    mv -f "\${path}.new" "\${path}"
    rm -f "\${tmp}"
  fi
}
`;
    return [fn, ...assets.map((a) => `fetch ${shellQuote(a.parameter)} ${shellQuote(a.path)} ${a.mode} ${a.sha256}\n`)];
}

/** The script that applies `config` on the node, keeping its step record in `stateDir`. */
export function renderNodeScript(
    config: NodeConfig,
    ctx: {
        readonly node: string;
        readonly stateDir: string;
        readonly assets?: readonly ScriptAsset[];
        /**
         * Steps the stack adds after all of the profile's (files, then commands), so turning them on or
         * changing them never re-runs a profile step (the heartbeat of automatic failover).
         */
        readonly after?: NodeConfig;
    },
): string {
    const after = ctx.after ?? { files: [], commands: [] };
    for (const c of [config, after]) {
        c.files.forEach(checkFile);
        c.commands.forEach(checkCommand);
    }
    const assets = assetSteps(ctx.assets ?? []);
    const head = `#!/bin/bash
# Node ${ctx.node}'s rendered configuration: steps run from the first one that differs from the record.
set -euo pipefail
`;
    if (config.files.length + config.commands.length + after.files.length + after.commands.length === 0) {
        return `${head}echo "node ${ctx.node}: nothing to apply"\n`;
    }
    const put = (f: RenderedFile) => `put ${shellQuote(f.path)} ${f.mode} <<'${HEREDOC_END}'\n${f.content}${HEREDOC_END}\n`;
    // run COMMAND: a step that runs COMMAND (eval). Each command is written once, quoted, rather than
    // twice (its step ID and its line): SSM space is 8 KB per node.
    const run = (c: string) => `run ${shellQuote(c)}\n`;
    const files = [...config.files.map(put)];
    const commands = [...config.commands.map(run), ...after.files.map(put), ...after.commands.map(run)];
    return `${head}
rec=${shellQuote(`${ctx.stateDir}/applied-steps`)}
prev=()
[ ! -f "\${rec}" ] || mapfile -t prev < "\${rec}"
cur=()
changed=0

# keep N: records this run's first N steps.
keep() {
  if [ "$1" -eq 0 ]; then
    rm -f "\${rec}"
  else
    printf '%s\\n' "\${cur[@]:0:$1}" > "\${rec}.new" && mv -f "\${rec}.new" "\${rec}"
  fi
}

# step ID: true from the first step that differs from the record on; cuts the record before it.
step() {
  cur+=("$1")
  if [ "\${changed}" -eq 0 ] && [ "\${prev[\${#cur[@]} - 1]:-}" != "$1" ]; then
    changed=1
    keep $((\${#cur[@]} - 1)) || exit
  fi
  [ "\${changed}" -eq 1 ]
}

run() {
  if step "run $1"; then
    eval "$1"
  fi
}

# put PATH MODE: a step writing standard input to PATH when it changed or is missing.
put() {
  local path=$1 mode=$2 dir=\${1%/*} text sum
  IFS= read -r -d '' text || true
  text=\${text%$'\\n'}
  sum=$(sha256sum <<< "\${text}")
  if step "file \${path} \${mode} \${sum%% *}" || [ ! -e "\${path}" ]; then
    # install -d would reset an existing directory's mode.
    [ -d "\${dir:-/}" ] || install -d -m 0755 "\${dir}"
    install -m "\${mode}" /dev/stdin "\${path}.new" <<< "\${text}"
    mv -f "\${path}.new" "\${path}"
  fi
}

${[...assets, ...files, ...commands].join("\n")}
keep \${#cur[@]}
`;
}
