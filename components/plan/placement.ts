// Moved to components/common/placement.ts (config validates placement too, and config must not import the plan).
export * from "../common/placement";
