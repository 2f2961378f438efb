/**
 * Waiting on a condition inside a browser page. Playwright's `page.waitForFunction` with a string
 * predicate re-evaluates it with `eval` in the page on every poll after the first, and the
 * station's content-security policy forbids `unsafe-eval`: the wait throws `EvalError` whenever
 * the condition is not already true at the first poll, i.e. under load (playwright#7395).
 * `page.evaluate` runs through the DevTools protocol, which the page's CSP does not govern, so
 * polling it with the suite's one `waitFor` waits on the same condition without eval.
 */
import type { Page } from 'playwright-core';
import { waitFor, type WaitOptions } from './wait-for.js';

/** Resolves once `expression` (JavaScript evaluated in the page) yields `true`. */
export function waitForPage(page: Page, expression: string, what: string, options: WaitOptions = {}): Promise<void> {
  return waitFor(async () => (await page.evaluate(expression)) === true, what, { intervalMs: 50, ...options });
}
