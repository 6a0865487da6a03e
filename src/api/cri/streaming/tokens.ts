// Single-use tokens for pending stream requests, as the kubelet's streaming
// request cache keeps them: short-lived, bounded, random and URL-safe.
import { randomBytes } from 'node:crypto';
import { unavailable } from '../../../errdefs/index.js';

export class TokenCache<T> {
  private readonly pending = new Map<string, { value: T; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxPending: number,
    private readonly now: () => number = Date.now,
  ) {}

  insert(value: T): string {
    this.evictExpired();
    if (this.pending.size >= this.maxPending) throw unavailable('maximum number of in-flight requests exceeded');
    let token: string;
    // 6 random bytes are 8 base64url characters.
    do token = randomBytes(6).toString('base64url');
    while (this.pending.has(token));
    this.pending.set(token, { value, expires: this.now() + this.ttlMs });
    return token;
  }

  /** The request behind a token, once; undefined when unknown, used or expired. */
  consume(token: string): T | undefined {
    const entry = this.pending.get(token);
    if (!entry) return undefined;
    this.pending.delete(token);
    return entry.expires > this.now() ? entry.value : undefined;
  }

  private evictExpired(): void {
    const now = this.now();
    for (const [token, entry] of this.pending) if (entry.expires <= now) this.pending.delete(token);
  }
}
