// One owned, replaceable object (the report panel, the plan panel, the snapshot monitor, the project
// model): the extension context (ctx.ts) holds the slots, the modules that create the objects fill and
// empty them. It replaces module-level, static and globalThis singletons, which the two bundles (the
// activation bundle and the heavy one, each with its own copy of every module) could not share.
import type * as vscode from 'vscode';

export class Slot<T> implements vscode.Disposable {
  private held: T | undefined;

  get value(): T | undefined {
    return this.held;
  }

  set(value: T): T {
    this.held = value;
    return value;
  }

  /** Empties the slot if it still holds `value` (a newer object put in its place stays). */
  release(value: T): void {
    if (this.held === value) this.held = undefined;
  }

  /** Disposes what the slot holds (when it is disposable) and empties it. */
  dispose(): void {
    const held = this.held;
    this.held = undefined;
    (held as Partial<vscode.Disposable> | undefined)?.dispose?.();
  }
}
