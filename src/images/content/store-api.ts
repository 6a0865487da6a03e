// Contract of the content-addressed blob store (images/content/): what the
// registry client writes into and the unpacker, exporter and GC read from.
import type { Readable } from 'node:stream';
import type { Digest } from '../../oci/digest.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface IngestWriter {
  /** Bytes ingested so far (a resumed ingest starts here; use a Range request). */
  readonly offset: number;
  write(chunk: Buffer): Promise<void>;
  /** Verifies size and digest, then renames atomically into place. Throws (and discards) on mismatch. */
  commit(expected: { digest: Digest; size?: number }): Promise<BlobInfo>;
  /** Keeps the partial data for a later resume. */
  close(): Promise<void>;
  /** Discards the partial data. */
  abort(): Promise<void>;
}

export interface ContentStore {
  readonly root: string;
  has(digest: Digest): Promise<boolean>;
  info(digest: Digest): Promise<BlobInfo | undefined>;
  /** Path of a committed blob (read-only use). */
  blobPath(digest: Digest): string;
  readBlob(digest: Digest): Promise<Buffer>;
  openBlob(digest: Digest, opts?: { start?: number }): Readable;
  /** Stores bytes whose digest is computed (or checked against `expected`). */
  putBlob(data: Buffer, expected?: Digest): Promise<BlobInfo>;
  /**
   * Opens (or resumes) an ingest named `ref` (e.g. the expected digest). Concurrent
   * writers for the same ref wait for one another: one download per blob.
   */
  ingest(ref: string, expected?: { digest?: Digest; size?: number }): Promise<IngestWriter>;
  delete(digest: Digest): Promise<void>;
  /** Labels of a committed blob (containerd-style, e.g. the repositories it came from). */
  labels(digest: Digest): Promise<Record<string, string>>;
  /** Merges labels into a blob's labels; an empty string value removes a label. */
  setLabels(digest: Digest, labels: Record<string, string>): Promise<void>;
  list(): AsyncIterable<BlobInfo>;
  /** Partial ingests: name, bytes so far, last modification (GC removes abandoned ones). */
  listIngests(): Promise<{ ref: string; offset: number; updatedAt: Date }[]>;
  abortIngest(ref: string): Promise<void>;
}
