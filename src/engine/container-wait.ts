// docker wait's conditions over the records: not-running, next-exit (an exit
// after the wait was registered, also of a container not started yet) and
// removed. Registered before the caller's start, as the docker CLI waits
// before it starts; this process's own starts, exits and removals wake it at
// once (Containers.changed), other processes' are seen by polling.
import type { Containers } from './containers.js';
import type { ContainerRecord } from './store.js';
import { waitForExit } from './attach.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';
export interface WaitResult {
  StatusCode: number;
  Error?: { Message: string };
}

/** How often a wait looks at what other processes did. */
const POLL_MS = 100;

const resultOf = (rec: ContainerRecord): WaitResult => ({ StatusCode: rec.State.ExitCode, ...(rec.State.Error ? { Error: { Message: rec.State.Error } } : {}) });

export class ContainerWaits {
  private readonly closing = new AbortController();

  constructor(private readonly containers: Containers) {}

  /** Resolves once registered, with the result's promise. */
  async register(ref: string, condition: WaitCondition): Promise<{ result: Promise<WaitResult> }> {
    const first = await this.containers.get(ref);
    if (condition === 'not-running' && !first.State.Running) return { result: Promise.resolve(resultOf(first)) };
    // --rm in this process's foreground: started without the monitor's exit hook, removed by this wait.
    const removesItself = condition === 'removed' && first.HostConfig.AutoRemove && !first.State.Running;
    if (removesItself) this.containers.foregroundRemovals.add(first.Id);
    const result = this.loop(first, condition, removesItself).finally(() => this.containers.foregroundRemovals.delete(first.Id));
    return { result };
  }

  /** Ends every wait still pending (the engine is closing): they resolve with what is known. */
  close(): void {
    this.closing.abort();
  }

  private async loop(first: ContainerRecord, condition: WaitCondition, removesItself: boolean): Promise<WaitResult> {
    const c = this.containers;
    const id = first.Id;
    let last = resultOf(first);
    let failedStart = false;
    const closing = this.closing.signal;
    for (;;) {
        // Listening before reading: a change between the read and the sleep still wakes it.
        const wake = this.nextChange(id, (action) => {
          if (action === 'start-failed') failedStart = true;
        });
        try {
          const stored = await c.store.read(id);
          if (!stored) return last;
          const rec = await c.view(stored);
          last = resultOf(rec);
          if (closing.aborted) return last;
          if (rec.State.Running && !rec.State.Restarting) {
            // The next view reads the exit from the monitor's report; the monitor's hook records it.
            if (!(await waitForExit(c.store.runPath(id), -1, closing))) continue;
            // Kept now: a removal (the hook's, or a repair's) may take the record and report before the next read.
            const exit = await c.exitInfo(id);
            if (exit) last = { StatusCode: exit.exitCode };
            await this.removeIfOwned(id, removesItself);
            continue;
          }
          const exited = failedStart || rec.State.FinishedAt !== first.State.FinishedAt || (rec.State.Error !== '' && rec.State.Error !== first.State.Error) || condition === 'not-running';
          if (exited && condition !== 'removed') return last;
          if (exited && removesItself) {
            await this.removeIfOwned(id, true);
            continue;
          }
          await wake.promise;
        } finally {
          wake.cancel();
        }
    }
  }

  /** The --rm this process owns (no monitor hook does it): remove folds the exit (record, die event) first. */
  private async removeIfOwned(id: string, owned: boolean): Promise<void> {
    if (owned) await this.containers.remove(id, { force: true, volumes: true }).catch(() => undefined);
  }

  /** A promise that resolves on the container's next in-process change, a poll's interval, or close(). */
  private nextChange(id: string, seen: (action: string) => void): { promise: Promise<void>; cancel: () => void } {
    let done: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => (done = resolve));
    const onChange = (action: string) => {
      seen(action);
      done();
    };
    const timer = setTimeout(done, POLL_MS);
    this.containers.changed.on(id, onChange);
    this.closing.signal.addEventListener('abort', done);
    return {
      promise,
      cancel: () => {
        clearTimeout(timer);
        this.containers.changed.off(id, onChange);
        this.closing.signal.removeEventListener('abort', done);
      },
    };
  }
}
