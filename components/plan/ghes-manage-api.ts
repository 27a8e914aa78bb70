/** The Manage GHES API call shared by the HA nodes and the backup host; it lives in the profiles layer. */
export { MANAGE_API_PORT, MANAGE_CALL, managementPasswordParameter } from "../profiles/ghes-manage-api";
