// Role names as roles::validate (src/common/roles.cpp, 1.7.1) checks them.

/** roles::validate (src/common/roles.cpp). */
export function roleError(role: string): string | undefined {
  if (role === '*') return undefined;
  if (role.startsWith('/')) return `Role '${role}' cannot start with a slash`;
  if (role.endsWith('/')) return `Role '${role}' cannot end with a slash`;
  if (role.includes('//')) return `Role '${role}' cannot contain two adjacent slashes`;
  const components = role.split('/').filter(Boolean);
  if (components.length === 0) return 'Role names cannot be the empty string';
  for (const c of components) {
    if (c === '.') return `Role '${role}' cannot include '.' as a component`;
    if (c === '..') return `Role '${role}' cannot include '..' as a component`;
    if (c === '*') return `Role '${role}' cannot include '*' as a component`;
    if (c.startsWith('-')) return `Role component '${c}' is invalid because it starts with a dash`;
    if (/[\x08\s]/.test(c)) return `Role component '${c}' is invalid because it contains backspace or whitespace`;
  }
  return undefined;
}
