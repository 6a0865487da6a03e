// Stores a layer's bytes in the content store while hashing them in the same pass.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { ContentStore } from '../content/store-api.js';
import type { Digest } from '../../oci/digest.js';
import { DigestingStream } from '../archive/digesting.js';

/** Streams `input` into the content store; returns its digest and size. */
export async function storeBlobStream(content: ContentStore, input: Readable, expected?: Digest): Promise<{ digest: Digest; size: number }> {
  const ingest = await content.ingest(expected ?? `local-${randomBytes(8).toString('hex')}`, expected ? { digest: expected } : undefined);
  try {
    if (ingest.offset > 0) {
      // A resumable ingest of this digest exists from an earlier attempt: start over.
      await ingest.abort();
      return storeBlobStream(content, input, expected);
    }
    const digesting = new DigestingStream();
    await pipeline(
      input,
      digesting,
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          ingest.write(chunk).then(() => cb(), cb);
        },
      }),
    );
    const info = await ingest.commit({ digest: digesting.digest(), size: digesting.bytes });
    return { digest: info.digest, size: info.size };
  } catch (err) {
    await ingest.abort().catch(() => {});
    throw err;
  }
}
