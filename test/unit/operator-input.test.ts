import { describe, expect, it } from 'vitest';
import { parseChatTarget } from '../../src/cli/chat-target.js';
import { parseOperatorCommand } from '../../src/cli/chatmem.js';
import { parseChatArgs } from '../../src/simulator/chat.js';

describe('chat names on the command line', () => {
  it('reads phone numbers, contact ids and group ids', () => {
    expect(parseChatTarget('5511988887777')).toEqual({ kind: 'contact', chatId: '5511988887777@c.us' });
    expect(parseChatTarget('+55 (11) 98888-7777')).toEqual({ kind: 'contact', chatId: '5511988887777@c.us' });
    expect(parseChatTarget('99887766554433@lid')).toEqual({ kind: 'contact', chatId: '99887766554433@lid' });
    expect(parseChatTarget('120363012345678901@g.us')).toEqual({ kind: 'group', chatId: '120363012345678901@g.us' });
    // As the simulator's --group takes it.
    expect(parseChatTarget('120363012345678901')).toEqual({ kind: 'group', chatId: '120363012345678901@g.us' });
  });

  it('refuses what is not a chat, saying what is expected', () => {
    for (const bad of ['bob', '123', 'status@broadcast', '']) expect(() => parseChatTarget(bad)).toThrow(/is not a chat: give a phone number/);
  });
});

describe('chatmem commands', () => {
  it('takes a phone number typed with spaces, unquoted, as one chat', () => {
    expect(parseOperatorCommand(['erase', '+55', '11', '98888-7777'])).toEqual({
      name: 'erase',
      session: 'default',
      target: { kind: 'contact', chatId: '5511988887777@c.us' },
    });
    expect(parseOperatorCommand(['history', 'export', '55', '11', '98888-7777', '--out', 'ana.json', '--session', 'sales'])).toEqual({
      name: 'history export',
      session: 'sales',
      target: { kind: 'contact', chatId: '5511988887777@c.us' },
      out: 'ana.json',
    });
  });

  it('refuses a missing chat, an unknown command or a malformed session', () => {
    expect(() => parseOperatorCommand(['inspect'])).toThrow('inspect needs a chat');
    expect(() => parseOperatorCommand(['erase', 'bob', 'smith'])).toThrow("'bob smith' is not a chat");
    expect(() => parseOperatorCommand(['forget', '5511988887777'])).toThrow('unknown command: forget 5511988887777');
    expect(() => parseOperatorCommand(['inspect', '5511988887777', '--session', 'a b'])).toThrow("--session: 'a b' is not a WAHA session name");
    expect(() => parseOperatorCommand(['replay'])).toThrow('replay takes one history file');
    expect(() => parseOperatorCommand(['history'])).toThrow('history takes export: chatmem history export <chat> [--out <file>]');
    expect(() => parseOperatorCommand(['inspect', '5511988887777', '--bogus'])).toThrow(/^unknown option: --bogus$/);
  });
});

describe('simulator arguments', () => {
  it('takes a phone, a name and a group', () => {
    expect(parseChatArgs(['--from', '+55 11 98888-7777', '--name', 'Ana', '--group', '120363012345678901'])).toEqual({
      from: '5511988887777@c.us',
      name: 'Ana',
      group: '120363012345678901@g.us',
      session: 'default',
      wahaPort: null,
    });
    expect(parseChatArgs(['--from', '5511988887777', '--waha-port', '3300']).wahaPort).toBe(3300);
  });

  it('refuses a missing or malformed phone or group', () => {
    expect(() => parseChatArgs([])).toThrow(/--from: '' is not a phone number/);
    expect(() => parseChatArgs(['--from', 'ana'])).toThrow(/--from: 'ana' is not a phone number/);
    expect(() => parseChatArgs(['--from', '5511988887777', '--group', 'friends'])).toThrow(/--group: 'friends' is not a group id/);
    expect(() => parseChatArgs(['--from', '5511988887777', '--waha-port', 'x'])).toThrow(/--waha-port: 'x' is not a port/);
    expect(() => parseChatArgs(['--from', '5511988887777', '--bogus'])).toThrow(/^unknown option: --bogus$/);
  });
});
