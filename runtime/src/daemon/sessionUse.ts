/**
 * Which of the daemon's engine sessions (one per pipeline bundle, each with its runner pool) are
 * in use. A session nobody has used for the runner idle timeout, other than the one used last, is
 * due to be closed, warm runners and all: every edit of a pipeline makes a new bundle, so a
 * long-lived daemon would otherwise keep runners for each version it ever ran.
 */
export class SessionUse<S> {
  private readonly users = new Map<S, number>();
  private readonly idleSince = new Map<S, number>();
  private last?: S;

  /** Marks `session` in use until the returned release is called (once). */
  hold(session: S): () => void {
    this.users.set(session, (this.users.get(session) ?? 0) + 1);
    this.idleSince.delete(session);
    this.last = session;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.users.get(session) ?? 1) - 1;
      this.users.set(session, left);
      if (left === 0) this.idleSince.set(session, Date.now());
    };
  }

  /** Sessions due to be closed: unused for `timeoutMs` and not the last used. They are forgotten here. */
  due(timeoutMs: number, now = Date.now()): S[] {
    const due: S[] = [];
    for (const [session, since] of this.idleSince) {
      if (session === this.last || now - since < timeoutMs) continue;
      due.push(session);
      this.idleSince.delete(session);
      this.users.delete(session);
    }
    return due;
  }
}
