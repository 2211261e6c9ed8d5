// tests/browser/serve.mjs - the search page of cops-serve in Debian's
// Chromium, headless, driven by playwright-core.
//
//   node serve.mjs BASE-URL SCREENSHOT-DIR
//
// BASE-URL serves the corpus of tests/cli/serve-lib.sh (make_serve_corpus).
// Prints one line per check, "PASS what" or "FAIL what: why", for
// tests/cli/serve-browser.sh to report; exits 0 when it ran to the end.
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

function report(ok, what, why) {
  console.log(ok ? `PASS ${what}` : `FAIL ${what}: ${why}`);
}

async function check(what, test) {
  try {
    const why = await test();
    report(!why, what, why);
  } catch (error) {
    report(false, what, String(error).split('\n')[0]);
  }
}

// Wait until `test` (run in the page) holds.  Not waitForFunction: its
// retries evaluate strings, which the page's Content-Security-Policy forbids.
async function until(page, test, arg) {
  for (let i = 0; i < 200; i++) {
    if (await page.evaluate(test, arg)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${test}`);
}

const texts = (page, selector) => page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent));

// Search, and wait for this search's answer (the status line or the error
// box, both emptied first so that the previous answer does not count).
async function search(page, query) {
  await page.evaluate(() => {
    document.querySelector('#status').textContent = '';
    document.querySelector('#query-error').hidden = true;
  });
  await page.fill('#q', query);
  await page.press('#q', 'Enter');
  await until(page, 
    () => document.querySelector('#status').textContent || !document.querySelector('#query-error').hidden);
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
const dialogs = [], consoleErrors = [];
page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
page.on('pageerror', (error) => consoleErrors.push(String(error)));

await page.goto(base + '/');

await check('/ focuses the search box', async () => {
  await page.click('h2, body', { position: { x: 5, y: 5 } }).catch(() => {});
  await page.keyboard.press('/');
  const focused = await page.evaluate(() => document.activeElement.id);
  return focused === 'q' ? '' : `focus is on '${focused}'`;
});

await check('a query shows highlighted hits and the exact total', async () => {
  await search(page, 'grant');
  const status = await page.textContent('#status');
  const hits = await page.$$('#results li');
  const marks = await texts(page, '#results .snippet mark');
  if (!status.startsWith('34 matches')) return `status '${status}'`;
  if (hits.length !== 10) return `${hits.length} hits shown`;
  if (!marks.length || !marks.every((m) => m.toLowerCase() === 'grant')) return `marks ${JSON.stringify(marks)}`;
  return new URL(page.url()).searchParams.get('q') === 'grant' ? '' : `URL ${page.url()}`;
});
await page.screenshot({ path: `${shots}/serve-results.png`, fullPage: true });

await check('the next page, and back', async () => {
  await page.click('#next');
  await until(page, () => document.querySelector('#page-label').textContent.startsWith('11–20'));
  if (new URL(page.url()).searchParams.get('offset') !== '10') return `URL ${page.url()}`;
  await page.goBack();
  await until(page, () => document.querySelector('#page-label').textContent.startsWith('1–10'));
  return '';
});

await check('sort by date, newest first', async () => {
  await page.selectOption('#sort', '-date');
  await until(page, () => location.search.includes('sort=-date'));
  await until(page, () => (document.querySelector('#results .meta') || {}).textContent?.startsWith('2018-12-22'));
  const dates = (await texts(page, '#results .meta')).map((t) => t.slice(0, 10));
  const sorted = [...dates].sort().reverse();
  return JSON.stringify(dates) === JSON.stringify(sorted) ? '' : `dates ${dates}`;
});

await check('a histogram bar filters by its year, then shows its months', async () => {
  await page.click('#histogram button[data-date="2016"]');
  await until(page, () => document.querySelector('#status').textContent.includes('dated 2016'));
  const status = await page.textContent('#status');
  const bars = await page.$$eval('#histogram button', (b) => b.map((x) => x.dataset.date));
  if (!status.startsWith('11 matches')) return `status '${status}'`;
  return bars.length && bars.every((d) => d.startsWith('2016-')) ? '' : `bars ${bars}`;
});
await page.screenshot({ path: `${shots}/serve-histogram.png` });

await check('a document opens with its matches highlighted', async () => {
  await page.selectOption('#sort', 'relevance');
  await until(page, () => !location.search.includes('sort='));
  await page.click('#clear-date');
  await until(page, () => document.querySelector('#status').textContent.startsWith('34'));
  const title = (await texts(page, '#results li a'))[0];
  await page.click('#results li a');
  await page.waitForSelector('#document:not([hidden])');
  await until(page, () => document.querySelector('#document-title').textContent !== '');
  const shown = await page.textContent('#document-title');
  const marks = await texts(page, '#document-text mark');
  if (shown !== title) return `title '${shown}' for '${title}'`;
  return marks.length > 1 ? '' : `${marks.length} highlights`;
});
await page.screenshot({ path: `${shots}/serve-document.png`, fullPage: true });

await check('back returns to the list', async () => {
  await page.click('#back');
  await page.waitForSelector('#results-section:not([hidden])');
  return (await page.$$('#results li')).length === 10 ? '' : 'no list';
});

await check('a bad query shows a caret under its column', async () => {
  await search(page, 'grant (police');
  await page.waitForSelector('#query-error:not([hidden])');
  const query = await page.textContent('#error-query');
  const caret = await page.textContent('#error-caret');
  const message = await page.textContent('#error-message');
  if (query !== 'grant (police') return `query line '${query}'`;
  // The caret follows the query's text before the fault drawn invisibly
  // (as wide as the browser draws it, emoji sequences included).
  if (caret !== 'grant ^' || !message.startsWith('Column 7')) return `caret '${caret}', '${message}'`;
  const hidden = await page.$eval('#error-caret .error-caret-pad', (e) => getComputedStyle(e).visibility);
  if (hidden !== 'hidden') return `the caret's padding is ${hidden}`;
  // The 400 answer is the one console error this page may log.
  const others = consoleErrors.filter((e) => !e.includes('status of 400'));
  consoleErrors.length = 0;
  consoleErrors.push(...others);
  return '';
});
await page.screenshot({ path: `${shots}/serve-error.png` });

await check('the caret stands under the fault after an emoji sequence', async () => {
  // A family (five code points joined by ZWJ) is one glyph: one space per
  // code point put the caret columns right of the AND at fault.
  await search(page, '\u{1F468}\u200D\u{1F469}\u200D\u{1F467} AND )');
  await page.waitForSelector('#query-error:not([hidden])');
  const gap = await page.evaluate(() => {
    const left = (node, start, end) => {
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, end);
      return range.getBoundingClientRect().left;
    };
    const query = document.getElementById('error-query').firstChild;
    const caret = document.getElementById('error-caret').lastChild;
    const fault = query.data.indexOf('AND');
    return left(caret, 0, 1) - left(query, fault, fault + 1);
  });
  const others = consoleErrors.filter((e) => !e.includes('status of 400'));
  consoleErrors.length = 0;
  consoleErrors.push(...others);
  return Math.abs(gap) < 1 ? '' : `the caret is ${gap}px from the AND`;
});

await check('a misspelt query offers "Did you mean", whose link runs the suggestion', async () => {
  await search(page, 'grnat polcing');
  await page.waitForSelector('#did-you-mean:not([hidden])');
  const offer = await page.textContent('#did-you-mean');
  if (offer !== 'Did you mean grant policing?') return `offer '${offer}'`;
  await page.evaluate(() => { document.querySelector('#status').textContent = ''; });
  await page.click('#did-you-mean a');
  await until(page, () => document.querySelector('#status').textContent);
  const status = await page.textContent('#status');
  if (!status.startsWith('30 matches')) return `status '${status}'`;
  if ((await page.inputValue('#q')) !== 'grant policing') return 'the box does not hold the suggestion';
  if (!new URL(page.url()).search.includes('q=grant+policing')) return `url ${page.url()}`;
  return (await page.isHidden('#did-you-mean')) ? '' : 'the offer stayed';
});

await check('a relaxed query says so above the hits', async () => {
  await search(page, 'council sheriff');
  await page.waitForSelector('#relaxed:not([hidden])');
  const note = await page.textContent('#relaxed');
  if (note !== 'No document has all of “council sheriff”: showing those with 1 of the 2 words.')
    return `note '${note}'`;
  const above = await page.evaluate(() =>
    document.querySelector('#relaxed').compareDocumentPosition(document.querySelector('#results')) &
    Node.DOCUMENT_POSITION_FOLLOWING);
  return above && (await page.$$('#results li')).length === 10 ? '' : 'not above ten hits';
});

await check('arrows move through the hits, Enter opens, Escape comes back', async () => {
  await search(page, 'grant');
  await page.focus('#q');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const links = await texts(page, '#results li a');
  const focused = await page.evaluate(() => document.activeElement.textContent);
  if (focused !== links[1]) return `focus on '${focused}', expected '${links[1]}'`;
  await page.keyboard.press('Enter');
  await page.locator('#document-title').filter({ hasText: links[1] }).waitFor();
  await page.keyboard.press('Escape');
  await page.waitForSelector('#results-section:not([hidden])');
  return '';
});

await check('hostile titles and texts show as text', async () => {
  await search(page, 'alert');
  const titles = await texts(page, '#results li a');
  const expected = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><iframe src=javascript:alert(5)>'];
  for (const title of expected) if (!titles.includes(title)) return `titles ${JSON.stringify(titles)}`;
  const snippets = (await texts(page, '#results .snippet')).join(' ');
  if (!snippets.includes('<img src=x onerror=alert(3)>')) return `snippets ${snippets}`;
  const injected = await page.$$eval('main script, main img, main iframe, main svg, main b', (n) => n.length);
  return injected === 0 ? '' : `${injected} elements made from data`;
});
await page.screenshot({ path: `${shots}/serve-xss.png`, fullPage: true });

await check('a hostile document view shows its whole text as text', async () => {
  await page.click('#results li a >> text=<img src=x onerror=alert(1)>');
  await until(page, () => document.querySelector('#document-text').textContent.includes('onerror=alert(3)'));
  const injected = await page.$$eval('main img, main svg, main script', (n) => n.length);
  if (injected !== 0) return `${injected} elements made from data`;
  // The text's end, 14,000 characters in (past any snippet), as text.
  const text = await page.textContent('#document-text');
  if (!text.endsWith('onerror <script>alert(8)</script> the end')) return `the text ends '${text.slice(-60)}'`;
  // The query searched was "alert": its three, the last one in the tail.
  const marks = await texts(page, '#document-text mark');
  return marks.join('|') === 'alert|alert|alert' ? '' : `highlighted: ${marks.join('|')}`;
});

await check('readable on a phone: no sideways scrolling', async () => {
  const phone = await browser.newPage({ viewport: { width: 375, height: 740 }, isMobile: true });
  phone.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await phone.goto(base + '/?q=grant');
  await phone.waitForSelector('#results li');
  await phone.screenshot({ path: `${shots}/serve-phone.png`, fullPage: true });
  const wide = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await phone.close();
  return wide <= 0 ? '' : `${wide} px wider than the screen`;
});

await check('every control has an accessible name', async () => {
  const unnamed = await page.$$eval('input, select, button', (nodes) => nodes
    .filter((n) => !(n.labels && n.labels.length) && !n.getAttribute('aria-label') && !n.textContent.trim())
    .map((n) => n.outerHTML));
  return unnamed.length ? `unnamed ${unnamed.join(' ')}` : '';
});

await check('no dialog opened and no console error', async () =>
  dialogs.length || consoleErrors.length ? `dialogs ${JSON.stringify(dialogs)}, errors ${JSON.stringify(consoleErrors)}` : '');

await browser.close();
