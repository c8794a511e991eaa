// What each role may open and do; the server decides in the end (every page handles 403).
import type { Role } from '../api';

export const ROLE_LABELS: Record<Role, string> = {
  superadmin: 'Super admin',
  admin: 'Admin',
  user: 'User',
  auditor: 'Auditor',
};

export const ROLES: Role[] = ['superadmin', 'admin', 'user', 'auditor'];

export const can = {
  manageSettings: (role: Role) => role === 'superadmin',
  readUsers: (role: Role) => role === 'superadmin' || role === 'auditor',
  manageUsers: (role: Role) => role === 'superadmin',
  manageApiKeys: (role: Role) => role === 'superadmin',
  readSuppressions: (role: Role) => role !== 'user',
  manageSuppressions: (role: Role) => role === 'superadmin' || role === 'admin',
  readAudit: (role: Role) => role === 'superadmin' || role === 'auditor',
  changeMessages: (role: Role) => role !== 'auditor',
  bulkChangeMessages: (role: Role) => role === 'superadmin' || role === 'admin',
  pauseDelivery: (role: Role) => role === 'superadmin' || role === 'admin',
};
