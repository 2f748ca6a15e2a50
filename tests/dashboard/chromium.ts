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

/**
 * Records, in the page, every value the attribute `attr` of the element `selector` takes from
 * now on (a MutationObserver), so a test sees each change the page made however seldom it
 * looks itself. The returned function reads them all, the current value last (nulls left out).
 */
export async function recordAttribute(page: Page, selector: string, attr: string): Promise<() => Promise<string[]>> {
  const key = JSON.stringify(`${selector} ${attr}`);
  const [sel, name] = [JSON.stringify(selector), JSON.stringify(attr)];
  // Browser-side code is written as strings: this project compiles without the DOM library.
  await page.evaluate(`(() => {
    const el = document.querySelector(${sel});
    const olds = [];
    (window.__recorded ??= {})[${key}] = { el, olds };
    new MutationObserver((records) => { for (const r of records) olds.push(r.oldValue); })
      .observe(el, { attributes: true, attributeFilter: [${name}], attributeOldValue: true });
  })()`);
  return async () => {
    const values = (await page.evaluate(`(() => {
      const r = window.__recorded[${key}];
      return [...r.olds, r.el.getAttribute(${name})];
    })()`)) as (string | null)[];
    return values.filter((v): v is string => v !== null);
  };
}
