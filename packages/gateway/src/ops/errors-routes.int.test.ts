import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestGateway, waitFinal } from '../test-support/harness.js';
import { BACKENDS, operatorKeys } from '../test-support/ops/backends.js';

describe.each(BACKENDS)('operator API: error groups ($name)', (backend) => {
  let t: TestGateway;
  let keys: Awaited<ReturnType<typeof operatorKeys>>;
  beforeAll(async () => {
    t = await backend.start();
    keys = await operatorKeys(t);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const fail = async (reason: string) => {
    const res = await t.call('POST', '/v1/echo-dev/fail', { key: t.keys.dev, body: { reason } });
    expect(res.status).toBe(202);
    await waitFinal(t, res.body.id);
    return res.body.id as string;
  };
  const groupsOf = async (query = '') =>
    (await t.call('GET', `/v1/admin/errors?operation=fail${query}`, { key: keys.viewer })).body.groups as Array<
      Record<string, any>
    >;

  it('groups failures whose messages differ only in numbers and quoted values', async () => {
    const a = await fail('order 1001 "ACME"');
    const b = await fail('order 2002 "Globex"');
    await fail('something else entirely');
    const groups = await waitFor(async () => {
      const g = await groupsOf();
      return g.length === 2 && g.some((x) => x.count === 2) ? g : undefined;
    }, 'two groups');
    const group = groups.find((g) => g.count === 2)!;
    expect(group).toMatchObject({
      instance: 'echo-dev',
      operation: 'fail',
      code: 'UPSTREAM_REJECTED',
      message: 'rejected: order <n> <value>',
      status: 'open',
      sampleJobIds: [a, b],
      reopened: 0,
    });
    const one = await t.call('GET', `/v1/admin/errors/${group.fingerprint}`, { key: keys.viewer });
    expect(one.status).toBe(200);
    expect(one.body.fingerprint).toBe(group.fingerprint);
    // another environment does not see it
    expect((await t.call('GET', `/v1/admin/errors/${group.fingerprint}`, { key: keys.prodAdmin })).status).toBe(404);
  });

  it('walks open → acknowledged → resolved with who and a note, and reopens a resolved group that recurs', async () => {
    await fail('invoice 1 missing');
    const [group] = await waitFor(async () => {
      const g = await groupsOf('&q=invoice');
      return g.length ? g : undefined;
    }, 'the group');
    const path = `/v1/admin/errors/${group!.fingerprint}/status`;
    expect((await t.call('POST', path, { key: keys.viewer, body: { status: 'resolved' } })).status).toBe(403);
    const ack = await t.call('POST', path, { key: keys.operator, body: { status: 'acknowledged', note: 'looking' } });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({
      status: 'acknowledged',
      statusNote: 'looking',
      statusBy: expect.stringMatching(/^operator \(key \w+\)$/),
    });
    const resolved = await t.call('POST', path, { key: keys.operator, body: { status: 'resolved', note: 'fixed' } });
    expect(resolved.body).toMatchObject({ status: 'resolved', statusNote: 'fixed' });
    expect((await groupsOf('&status=resolved&q=invoice')).map((g) => g.fingerprint)).toEqual([group!.fingerprint]);

    await fail('invoice 2 missing');
    const reopened = await waitFor(async () => {
      const g = (await t.call('GET', `/v1/admin/errors/${group!.fingerprint}`, { key: keys.viewer })).body;
      return g.count === 2 ? g : undefined;
    }, 'the recurrence');
    expect(reopened).toMatchObject({ status: 'open', reopened: 1, statusBy: 'system' });
    expect(reopened.statusNote).toMatch(/recurred/);
  });

  it('keeps a sample of the 10 most recent job ids', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await fail(`sampled ${i}`));
    const group = await waitFor(async () => {
      const [g] = await groupsOf('&q=sampled');
      return g?.count === 12 ? g : undefined;
    }, 'twelve failures');
    expect(group.sampleJobIds).toEqual(ids.slice(2));
  });
});
