// Proves the browser tier is real: headless Chromium loads a page from a server on
// 127.0.0.1, runs its script on a click and shows the result.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';

const PAGE = `<!doctype html><title>probe</title>
<button id="go">Go</button><p id="out">idle</p>
<script>document.getElementById('go').onclick = () => { document.getElementById('out').textContent = 'clicked ' + navigator.userAgent.includes('Chrome'); };</script>`;

let server: Server;
let browser: Browser;
let url: string;

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('headless Chromium', () => {
  it('renders a page served on loopback and runs its script on a click', async () => {
    const page = await browser.newPage();
    await page.goto(url);

    await page.click('#go');

    expect(await page.title()).toBe('probe');
    expect(await page.textContent('#out')).toBe('clicked true');
  });
});
