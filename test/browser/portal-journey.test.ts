// A newcomer's whole journey, in headless Chromium against the real product: sign up,
// confirm, sign in, choose the Team plan, pay on the stand-in for Stripe's Checkout page
// (it sends Stripe-signed webhooks to the portal), land on the dashboard once the
// namespace is provisioned, download the kubeconfig, `kubectl apply` a check with it, and
// see the check Ready and Healthy on the dashboard, run by the operator.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PLAN_LABEL, TENANT_LABEL } from '../../operator/plans/tenancy.ts';
import { launchBrowser } from '../support/browser.ts';
import { TEST_PASSWORD, uniqueEmail } from '../support/cognito.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import { QUICKSTART_MANIFEST, startPlatform, type Platform } from '../support/platform.ts';

const run = promisify(execFile);
const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);

let platform: Platform;
let browser: Browser;

beforeAll(async () => {
  platform = await startPlatform(env, { name: 'journey' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser.close();
  await platform.stop();
});

// press clicks a button and waits for the page it leads to, a path under `to`.
async function press(page: Page, button: string, to: string): Promise<void> {
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(to)),
    page.click(`button:has-text("${button}")`),
  ]);
}

async function fill(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) await page.fill(`[name="${name}"]`, value);
}

describe('a newcomer in the browser', () => {
  it('signs up, pays for Team, applies a check with the downloaded kubeconfig and sees it healthy', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const email = uniqueEmail('journey');
    const portal = platform.portal.url;
    await page.goto(`${portal}/sign-up`);
    await fill(page, { email, password: TEST_PASSWORD });
    await press(page, 'Sign up', `${portal}/confirm`);
    await fill(page, { code: '123456' });
    await press(page, 'Confirm', `${portal}/sign-in`);
    expect(await page.textContent('body')).toContain('Your email is confirmed');
    await fill(page, { email, password: TEST_PASSWORD });
    await press(page, 'Sign in', `${portal}/dashboard`);

    await page.goto(portal);
    await press(page, 'Choose Team', `${platform.checkout.url}/pay/`);
    await press(page, 'Pay', `${portal}/dashboard`);

    const namespace = await eventually(
      'the dashboard of a provisioned Team tenant',
      async () => {
        await page.reload();
        const text = (await page.textContent('body')) ?? '';
        const found = /tenant-[0-9a-f]{16}/.exec(text)?.[0];
        if (found === undefined || !text.includes('Team')) throw new Error('not provisioned yet');
        return found;
      },
      20_000,
    );
    const labels = (await admin.core.readNamespace({ name: namespace })).metadata?.labels ?? {};
    expect(labels[PLAN_LABEL]).toBe('team');
    expect(labels[TENANT_LABEL]).toMatch(/^[0-9a-f-]{36}$/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a:has-text("Download your kubeconfig")'),
    ]);
    const kubeconfig = join(env.runDir, `journey-${namespace}.kubeconfig`);
    await download.saveAs(kubeconfig);
    const manifest = join(env.runDir, `journey-${namespace}.yaml`);
    await writeFile(manifest, QUICKSTART_MANIFEST);
    const applied = await run(env.kubectl, ['--kubeconfig', kubeconfig, 'apply', '-f', manifest]);
    expect(applied.stdout).toContain('awscheck.awscheck.io/who-am-i created');
    const denied = await run(env.kubectl, ['--kubeconfig', kubeconfig, 'get', 'namespaces']).then(
      () => 'allowed',
      (error: unknown) => String(error),
    );
    expect(denied).toContain('forbidden');

    await eventually(
      'who-am-i Ready and Healthy on the dashboard',
      async () => {
        await page.goto(`${portal}/dashboard`);
        const row = (await page.textContent('tr:has-text("who-am-i")')) ?? '';
        if (!/True.*True/s.test(row)) throw new Error(`check row: ${row}`);
        return row;
      },
      30_000,
    );
  });
});
