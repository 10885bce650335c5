/**
 * Imports the CLI's transcripts for a workspace folder, skipping files unchanged since the last
 * import. The marks (size and mtime per file) are plain data for the caller to persist.
 */
import { ShannonError, asShannonError } from '../errors.js';
import { findTranscripts, type TranscriptFile } from './projectDirs.js';
import { importTranscript, throwIfCancelled, type ImportedTranscript } from './transcript.js';

export interface ImportMark {
  size: number;
  mtimeMs: number;
}

export interface HistoryImporterOptions {
  /** The CLI's config dir (see claudeConfigDir()). */
  configDir: string;
  /** Marks from a previous run, as returned by marks(). */
  marks?: Record<string, ImportMark>;
}

export interface FolderImportOptions {
  signal?: AbortSignal;
  /** Sessions not to import (Shannon's own, already in the store), by CLI session id. */
  skip?: (cliSessionId: string) => boolean;
  /** Called for a transcript that could not be read; the import carries on. */
  onError?: (file: TranscriptFile, error: ShannonError) => void;
}

export class HistoryImporter {
  private readonly configDir: string;
  private readonly seen: Map<string, ImportMark>;

  constructor(options: HistoryImporterOptions) {
    this.configDir = options.configDir;
    this.seen = new Map(Object.entries(options.marks ?? {}));
  }

  /** The transcripts of `folder` (and folders below it) that are new or changed, newest first. */
  async pending(folder: string, options: Pick<FolderImportOptions, 'skip'> = {}): Promise<TranscriptFile[]> {
    const files = await findTranscripts(this.configDir, folder);
    return files.filter((f) => {
      if (options.skip?.(f.cliSessionId)) return false;
      const mark = this.seen.get(f.file);
      return !mark || mark.size !== f.size || mark.mtimeMs !== f.mtimeMs;
    });
  }

  /**
   * Yields each new or changed transcript as a past session. A file is marked as imported once
   * the consumer asks for the next one, so a transcript whose storing failed (the consumer threw)
   * is imported again next time.
   */
  async *importFolder(folder: string, options: FolderImportOptions = {}): AsyncGenerator<ImportedTranscript> {
    for (const file of await this.pending(folder, options)) {
      throwIfCancelled(options.signal);
      let imported: ImportedTranscript;
      try {
        imported = await importTranscript(file.file, { workspaceFolder: folder, signal: options.signal });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        options.onError?.(file, asShannonError(err, 'INVALID_ARGUMENT'));
        continue;
      }
      yield imported;
      // What was read, not what is there now: a line appended meanwhile triggers a re-import.
      this.seen.set(file.file, { size: imported.source.size, mtimeMs: imported.source.mtimeMs });
    }
  }

  marks(): Record<string, ImportMark> {
    return Object.fromEntries(this.seen);
  }
}
