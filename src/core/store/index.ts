export { SessionStore, type NewTranscriptEntry, type SessionStoreOptions, type StoreChange } from './sessionStore';
export { SCHEMA_VERSION } from './schema';
export type { CheckpointRecord, PrunePolicy, SearchHit, SearchOptions, SessionFilter, UsageQuery, UsageRow } from './types';
export type { BackwardRead, EntryFilter, ForwardRead, TailRead } from './transcriptReads';
export type { UsageCell, UsageTurn } from './usageTypes';
