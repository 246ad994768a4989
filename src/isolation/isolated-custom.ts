/**
 * A custom instance in a child process of its own (NativeCustom, as the
 * addon's): Init at start (and again after a crash), Exit at close.
 */
import type { NativeCustom } from '../native.js';
import { SupervisedInstance } from './supervised-instance.js';

export class IsolatedCustom extends SupervisedInstance implements NativeCustom {
  protected onReady(): void {}
  protected onLost(): void {}
  protected onFailed(): void {}
  protected wantsReferenced(): boolean {
    return false;
  }
}
