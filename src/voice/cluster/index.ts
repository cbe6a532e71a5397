export { ClusterMembership, type ClusterMembershipOptions } from './cluster-membership.js';
