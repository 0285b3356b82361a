/**
 * The PostgreSQL grants that make the audit trail append-only for the gateway's own role: it may insert and read
 * audit entries, never change or delete them; every other table it uses fully. Run as the schema's owner (the role
 * that ran `relaykit migrate`), after each migration. `CREATE` on the schema is there because every start checks
 * its migrations table with `CREATE TABLE IF NOT EXISTS`; the role owns nothing, so it cannot alter the audit.
 * Retention of the audit (`privacy.retention.classes.audit.keep`, off by default) then needs the owner's role.
 */
export function appendOnlyAuditGrants(role: string, schema = 'public'): string[] {
  const r = `"${role.replace(/"/g, '""')}"`;
  const s = `"${schema.replace(/"/g, '""')}"`;
  return [
    `GRANT USAGE, CREATE ON SCHEMA ${s} TO ${r}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`,
    `REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.relaykit_audit FROM ${r}`,
  ];
}
