import type { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { CHAT_SEARCH_ATTRIBUTES, cliTypeName } from '../workflows/search-attributes.js';

/**
 * Registers chatmem's search attributes on a self-hosted Temporal that lacks them (the dev
 * server gets them as flags). Returns the names added; throws with the command to run by
 * hand when the server refuses (Temporal Cloud registers them through its own console).
 */
export async function registerSearchAttributes(connection: Connection | NativeConnection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const existing = new Set(Object.keys(customAttributes ?? {}));
  const missing = CHAT_SEARCH_ATTRIBUTES.filter((key) => !existing.has(key.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, proto.temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
    });
  } catch (error) {
    const commands = missing.map((key) => `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${cliTypeName(key)}`);
    throw new Error(`Temporal lacks the search attributes ${missing.map((key) => key.name).join(', ')} and refused to add them (${String(error)}); register them with:\n  ${commands.join('\n  ')}`);
  }
  return missing.map((key) => key.name);
}
