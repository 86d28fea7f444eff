import { createEraseActivities } from './erase-activities.js';
import { createLearningActivities } from './learning-activities.js';
import { createMediaActivities, type MediaDeps } from './media-activities.js';
import { createMemoryActivities } from './memory-activities.js';
import { composeText, createReplyActivities, type ReplyDeps } from './reply-activities.js';
import { createStoreAndReplyActivities } from './store-and-reply.js';

export type ActivityDeps = ReplyDeps & MediaDeps;

/** All activities the chat workflow uses, bound to their I/O dependencies. */
export function createActivities(deps: ActivityDeps) {
  const memory = createMemoryActivities(deps);
  const replies = createReplyActivities(deps);
  return {
    ...memory,
    ...replies,
    ...createStoreAndReplyActivities(memory, replies, {
      mode: deps.settings.context.queuedReplies,
      draft: async (request) => (await composeText(deps, request)).text,
      releaseClaims: (claimTokens) => deps.stm.releaseClaims(claimTokens),
    }),
    ...createLearningActivities(deps),
    ...createEraseActivities(deps),
    ...createMediaActivities(deps),
  };
}

export type { EraseActivities, EraseRequest, ErasedCounts } from './erase-activities.js';
export type { MediaActivities } from './media-activities.js';
export type { LearningActivities } from './learning-activities.js';
export type { MemoryActivities } from './memory-activities.js';
export type { DeliveredReply, ReplyActivities, ReplyRequest } from './reply-activities.js';
export type { StoreAndReplyActivities, StoreAndReplyRequest, StoredAndReplied, StoredAndRepliedInTurn } from './store-and-reply.js';
export type { ActivitySettings } from './settings.js';
export type { ChangedMessage } from '../stores/sql/stm-repository.js';
