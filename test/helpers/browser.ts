import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { PASSWORD } from './steward-run.js';

/** Debian's Chromium (.ci/run installs it); DANCU_CHROMIUM points at another. */
export const CHROMIUM = process.env.DANCU_CHROMIUM ?? '/usr/bin/chromium';

/** Where tests put the README's screenshots when DANCU_SCREENSHOTS=1; null otherwise. */
export const SCREENSHOTS = process.env.DANCU_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs', 'screenshots') : null;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium package`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A user signed in through the login form in a browser context of their own (their own session), the UI in the language asked for. */
export async function signInAs(browser: Browser, baseUrl: string, username: string, language: 'vi' | 'en'): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  await page.goto(`${baseUrl}/ui/login.html`);
  await page.evaluate((lang) => localStorage.setItem('dancu.lang', lang), language);
  await page.reload();
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('#sign-in').click();
  await page.locator('#queue, #empty').first().waitFor();
  return page;
}
