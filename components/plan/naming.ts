// Moved to components/common/naming.ts (config validates names too, and config must not import the plan).
export * from "../common/naming";
