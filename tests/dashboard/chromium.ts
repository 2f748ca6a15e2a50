// Headless Chromium for the dashboard's browser tests: Debian's `chromium` package, driven by
// playwright-core (no browser download).
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { EVENT_LIMIT_MS } from '../helpers/wait.js';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: EVENT_LIMIT_MS,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A new page whose every wait (navigation, selectors, waitForFunction, locators) has the
 * generous outer limit of tests/helpers/wait.ts instead of Playwright's 30 s: the tests wait
 * for page changes, and a loaded machine may take long to make them.
 */
export async function newPage(browser: Browser, opts: Parameters<Browser['newPage']>[0] = {}): Promise<Page> {
  const page = await browser.newPage(opts);
  page.setDefaultTimeout(EVENT_LIMIT_MS);
  page.setDefaultNavigationTimeout(EVENT_LIMIT_MS);
  return page;
}
