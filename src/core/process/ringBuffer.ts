/** Keeps the last `limit` bytes written, as text: enough stderr to explain a failure, never more. */
export class ByteRingBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (chunk.length >= this.limit) {
      this.dropped += this.size + chunk.length - this.limit;
      this.chunks = [chunk.subarray(chunk.length - this.limit)];
      this.size = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  /** The kept bytes as UTF-8; a cut multi-byte character at the start becomes U+FFFD. */
  text(): string {
    const body = Buffer.concat(this.chunks, this.size).toString('utf8');
    return this.dropped > 0 ? `…${body}` : body;
  }

  get byteLength(): number {
    return this.size;
  }
}
