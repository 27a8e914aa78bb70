// Moved to components/common/network.ts (config checks addressing too, and config must not import the plan).
export * from "../common/network";
