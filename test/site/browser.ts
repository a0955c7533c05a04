/** Launches the system Chromium through playwright-core for the site's browser tests. */
import { type Browser, chromium } from 'playwright-core';

/** One headless Chromium; playwright-core gives every `launch` a fresh temporary profile and removes it on close. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
