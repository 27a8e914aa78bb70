/**
 * How the plan shows a secret and an unknown value. Their own module (re-exported by tools/harness.ts),
 * so the plan's formatting and the plan tool's command line (tools/plan-args.ts) load no SDK.
 */

/** How a secret is shown in `maskedInputs` and masked outputs. */
export const SECRET_MASK = "[secret]";
/** How a value unknown at preview time is shown in `maskedInputs` and outputs. */
export const UNKNOWN_MASK = "(unknown)";
