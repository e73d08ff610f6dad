import type { Caller } from '../access/caller.js';
import type { StateDictExport } from '../api/sessions.js';
import { toWire } from '../api/wire-numbers.js';
import { exportSchedule } from '../schedulers/schedule.js';
import type { SessionStore } from '../store/session-store.js';
import { findSession } from './find-session.js';

/** PyTorch's scheduler.state_dict() for the session, and the optimizer groups it goes with. Throws SessionNotFound. */
export async function exportStateDict(store: SessionStore, caller: Caller, id: string): Promise<StateDictExport> {
  const session = await store.snapshot((reads) => findSession(reads, caller, id));
  const { state_dict, param_groups } = exportSchedule(session.schedule);
  return {
    state_dict: toWire(state_dict) as Record<string, unknown>,
    param_groups: toWire(param_groups) as StateDictExport['param_groups'],
  };
}
