/**
 * The seam between the tree/commands and the session webview panels (src/extension/webview,
 * built separately): the commands only need to show a session's panel and to know whether it
 * is on screen (a visible panel renders permission asks itself, so no notification is needed).
 */
export interface SessionPanels {
  show(sessionId: string, options?: { preserveFocus?: boolean; reveal?: EntryReveal }): void | Thenable<void>;
  /** The session's panel is open and visible to the person. */
  isVisible(sessionId: string): boolean;
  /** The session whose panel was active last, while it is open. */
  lastActiveSessionId?(): string | undefined;
}

/** A transcript entry to bring into view, with the words to mark in it (a search hit). */
export interface EntryReveal {
  seq: number;
  terms: string[];
}
