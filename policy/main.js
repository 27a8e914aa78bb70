// Pulumi's policy runner loads the pack with its own old ts-node and ignores PulumiPolicy.yaml's
// runtime options, so this plain-JS entry registers tsx (as the program uses) and loads the
// TypeScript pack through it.
require("tsx/cjs");
require("./index.ts");
