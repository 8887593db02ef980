// The rule for cluster names, shared by cluster.yaml's schema and --name.
export const CLUSTER_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$|^[a-z0-9]$/;
export const CLUSTER_NAME_RULE = 'must be 1-32 lowercase letters, digits or dashes, not starting or ending with a dash';
