import { setTimeout as sleep } from 'node:timers/promises';

import { expect, it } from 'vitest';

import { Deadlines } from '../../src/server/deadlines.ts';

it('runs each deadline once it has passed, and never one that was forgotten', async () => {
  const deadlines = new Deadlines();
  const ran: string[] = [];
  const first = (): void => void ran.push('first');
  const forgotten = (): void => void ran.push('forgotten');
  const later = (): void => void ran.push('later');
  deadlines.watch(first, 40);
  deadlines.watch(forgotten, 40);
  deadlines.watch(later, 400);
  deadlines.forget(forgotten);
  for (let waited = 0; !ran.includes('later') && waited < 5000; waited += 20) await sleep(20);
  // The shorter wait ends first; each runs once, however many sweeps pass.
  expect(ran).toEqual(['first', 'later']);
  await sleep(100);
  expect(ran).toEqual(['first', 'later']);
});
