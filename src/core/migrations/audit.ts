// The migration runner's audit is the one audit log of every write (src/core/audit.ts); kept for its importers.
export { JsonlAuditSink, MemoryAuditSink, type AuditRecord, type AuditSink } from '../audit';
