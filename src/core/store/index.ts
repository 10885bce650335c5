export { SessionStore, type NewTranscriptEntry, type SessionStoreOptions, type StoreChange } from './sessionStore';
export { SCHEMA_VERSION } from './schema';
export type { Checkpoint, PrunePolicy, SearchHit, SearchOptions, SessionFilter, UsageQuery, UsageRow } from './types';
export type { BackwardRead, EntryFilter, ForwardRead, TailRead } from './transcriptReads';
export type { UsageCell, UsageTurn } from './usageTypes';
