/**
 * The package's public entry point (package.json `exports`, built to dist/index.js by
 * tsconfig.build.json). Consumers import the components from here; the pure plan and the tools stay
 * internal. The repository's own Pulumi program is index.ts at the root (Pulumi.yaml `main`).
 */
export { ConfigError } from "./config";
export { type NodeOutput, Service, type ServiceArgs } from "./service";
