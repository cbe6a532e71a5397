import type SQLite from 'better-sqlite3';

interface PendingWrite {
  run(): unknown;
  resolve(result: unknown): void;
  reject(err: unknown): void;
}

/**
 * Group commit for the SQLite store. In WAL mode every commit appends each page it changed to the log and takes and
 * drops the file locks; a call's status update changes a page or three, so a commit per write costs more than the
 * write. Prepared writes made in one turn of the event loop are run together in one transaction at the end of the
 * turn (`setImmediate`), and each write's promise settles only once that transaction has committed: a record is
 * still stored before anyone is told it is.
 *
 * Order is kept: anything else that touches the database — a prepared read, any query kysely runs — first commits
 * the writes queued before it (`flush`). A write that fails (a constraint) fails alone, as it would on its own; an
 * error that aborts the whole transaction fails the writes that had run in it and leaves the others for a new one.
 */
export class GroupCommit {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private readonly begin: SQLite.Statement;
  private readonly commit: SQLite.Statement;
  private readonly rollback: SQLite.Statement;

  constructor(private readonly sqlite: SQLite.Database) {
    this.begin = sqlite.prepare('BEGIN');
    this.commit = sqlite.prepare('COMMIT');
    this.rollback = sqlite.prepare('ROLLBACK');
  }

  /** Queues a write; it runs with the others of this turn, and the promise settles after their commit. */
  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (result: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commits every queued write now. Callers run it before anything else uses the connection, and never while a
   * transaction of kysely's is open: its writes go through kysely, behind that transaction, instead.
   */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length > 0 && this.sqlite.inTransaction) {
      // Not reached while callers keep the rule above; should it be, wait for that transaction to end.
      this.scheduled = true;
      setImmediate(() => this.flush());
      return;
    }
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      this.pending.push(...this.runBatch(batch));
    }
  }

  /** Runs one batch in one transaction; returns the writes left unrun because the transaction was aborted. */
  private runBatch(batch: PendingWrite[]): PendingWrite[] {
    if (batch.length === 1) {
      // Nothing to group: autocommit spares the BEGIN and COMMIT statements.
      settle(batch[0]);
      return [];
    }
    try {
      this.begin.run();
    } catch (err) {
      for (const write of batch) write.reject(err);
      return [];
    }
    const done: Array<[PendingWrite, unknown]> = [];
    for (let i = 0; i < batch.length; i++) {
      const write = batch[i];
      try {
        done.push([write, write.run()]);
      } catch (err) {
        write.reject(err);
        if (!this.sqlite.inTransaction) {
          // SQLite rolled the whole transaction back (I/O error, disk full, …): what ran in it is lost.
          for (const [lost] of done) lost.reject(err);
          return batch.slice(i + 1);
        }
      }
    }
    try {
      this.commit.run();
    } catch (err) {
      try {
        if (this.sqlite.inTransaction) this.rollback.run();
      } catch {
        // The connection is unusable; every write of the batch is failed below all the same.
      }
      for (const [lost] of done) lost.reject(err);
      return [];
    }
    for (const [write, result] of done) write.resolve(result);
    return [];
  }
}

function settle(write: PendingWrite): void {
  let result: unknown;
  try {
    result = write.run();
  } catch (err) {
    write.reject(err);
    return;
  }
  write.resolve(result);
}
