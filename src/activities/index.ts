import { createEraseActivities } from './erase-activities.js';
import { createLearningActivities } from './learning-activities.js';
import { createMediaActivities, type MediaDeps } from './media-activities.js';
import { createMemoryActivities } from './memory-activities.js';
import { createReplyActivities, type ReplyDeps } from './reply-activities.js';

export type ActivityDeps = ReplyDeps & MediaDeps;

/** All activities the chat workflow uses, bound to their I/O dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createMemoryActivities(deps), ...createReplyActivities(deps), ...createLearningActivities(deps), ...createEraseActivities(deps), ...createMediaActivities(deps) };
}

export type { EraseActivities, EraseRequest, ErasedCounts } from './erase-activities.js';
export type { MediaActivities } from './media-activities.js';
export type { LearningActivities } from './learning-activities.js';
export type { MemoryActivities } from './memory-activities.js';
export type { DeliveredReply, ReplyActivities, ReplyRequest } from './reply-activities.js';
export type { ActivitySettings } from './settings.js';
export type { ChangedMessage } from '../stores/sql/stm-repository.js';
