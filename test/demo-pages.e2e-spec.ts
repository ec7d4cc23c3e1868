import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { createBankSnapshot, itemInformation } from '../src/irt/index.js';
import { fieldNames, launchChromium, saveScreenshot, scrollsSideways, unlabeledControls, unnamedInAccessibilityTree, watchPage, webStorageUsed } from './support/browser.js';
import { answerUntilDone, createClient } from './support/client-fixtures.js';
import { ADMIN, appServer, bearer, createDefinition, seeded, startExam } from './support/exam-fixtures.js';
import { startApp } from './support/test-app.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 960, height: 900 };
const EXAM_LENGTH = 10;

/** Sums that get harder with the size of their numbers: b from -2.5 to 2.5. Right answers can be read off the stem. */
function arithmeticItems(count: number) {
  const random = seeded(3);
  return Array.from({ length: count }, (_, i) => {
    const x = 2 + Math.floor(random() * (5 + 12 * i));
    const y = 2 + Math.floor(random() * (5 + 12 * i));
    const sum = x + y;
    const values = [sum, sum + 1, sum - 1, sum + 10];
    const shift = Math.floor(random() * 4);
    const options = values.map((_, k) => ({ key: 'ABCD'[k], text: String(values[(k + shift) % 4]) }));
    const correctKey = options.find((option) => option.text === String(sum))!.key;
    const contentArea = sum < 60 ? 'small sums' : 'large sums';
    return { externalId: `sum-${i}`, stem: `What is ${x} + ${y}?`, options, correctKey, a: 1 + random() * 0.8, b: -2.5 + (5 * i) / (count - 1), c: 0.15, contentArea };
  });
}

/** Operational items around θ = 1 (b in [0.6, 1.4]), and easy pretest items that must not pull the curve's peak down. */
function itemsAroundOne() {
  const random = seeded(9);
  const areas = ['equations', 'functions', 'geometry'];
  const operational = Array.from({ length: 36 }, (_, i) => ({ a: 1.4 + random() * 0.6, b: 0.6 + random() * 0.8, contentArea: areas[i % 3], pretest: false }));
  const pretest = Array.from({ length: 4 }, () => ({ a: 2, b: -2, contentArea: 'equations', pretest: true }));
  return [...operational, ...pretest].map((item, i) => ({
    externalId: `peak-${i}`,
    stem: `Item ${i}`,
    options: [{ key: 'A', text: 'right' }, { key: 'B', text: 'wrong' }],
    correctKey: 'A',
    ...item,
  }));
}

describe('Demo pages in headless Chromium (e2e)', () => {
  let app: NestFastifyApplication;
  let baseUrl: string;
  let browser: Browser;
  let definitionId: string;
  let peakBank: { id: string; name: string; items: ReturnType<typeof itemsAroundOne> };

  beforeAll(async () => {
    // The demo definition must exist before an app can be configured with it: fixtures first, on an app of their own.
    const setup = await startApp();
    try {
      const server = appServer(setup);
      const scale = { slope: 50, intercept: 500, min: 300, max: 700, bands: [{ min: 300, label: 'Starting' }, { min: 450, label: 'Developing' }, { min: 550, label: 'Secure' }] };
      const bank = await request(server).post('/v1/item-banks').set(ADMIN).send({ name: 'Mental arithmetic', reportingScale: scale }).expect(201);
      await request(server).post(`/v1/item-banks/${bank.body.id}/items`).set(ADMIN).send({ items: arithmeticItems(60) }).expect(201);
      definitionId = await createDefinition(server, bank.body.id, { minItems: EXAM_LENGTH, maxItems: EXAM_LENGTH, feedback: 'theta' }, 'Arithmetic demo');
    } finally {
      await setup.close();
    }
    app = await startApp({ DEMO_TEST_DEFINITION_ID: definitionId, RETENTION_DAYS: '7' });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function newPage(viewport: { width: number; height: number }): Promise<{ page: Page; watch: ReturnType<typeof watchPage> }> {
    const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
    return { page, watch: watchPage(page) };
  }

  it('should take a 10-item demo exam by clicking options, chart θ ± SE after each item and show the result', async () => {
    const { page, watch } = await newPage(PHONE);
    await page.goto(`${baseUrl}/demo`);
    expect(await unlabeledControls(page)).toEqual([]);
    await page.getByRole('button', { name: 'Start a demo exam' }).click();
    const random = seeded(21);
    for (let n = 1; n <= EXAM_LENGTH; n++) {
      await page.locator('#progress-text', { hasText: `Question ${n} of at most ${EXAM_LENGTH}` }).waitFor();
      if (n === 1) {
        expect(await scrollsSideways(page)).toBe(false);
        expect(await unnamedInAccessibilityTree(page)).toEqual([]);
        await saveScreenshot(page, 'demo-candidate-phone-item');
      }
      // A candidate who mostly knows the answer: the right sum, read off the stem, three times in four.
      const [, x, y] = /What is (\d+) \+ (\d+)\?/.exec((await page.locator('#stem').textContent())!)!;
      const right = String(Number(x) + Number(y));
      const texts = await page.locator('#options .option-text').allTextContents();
      const choice = random() < 0.75 ? texts.indexOf(right) : texts.findIndex((text) => text !== right);
      await page.getByRole('radio').nth(choice).click();
      await page.getByRole('button', { name: 'Submit answer' }).click();
    }
    await page.locator('#result').waitFor();

    const replies = await Promise.all(watch.replies);
    const started = replies.find((reply) => reply.request === 'POST /v1/exams')!.body as { examId: string; token: string };
    const server = appServer(app);
    const shown = (await request(server).get(`/v1/exams/${started.examId}/result`).set(bearer(started.token)).expect(200)).body;
    const full = (await request(server).get(`/v1/exams/${started.examId}/result`).set(ADMIN).expect(200)).body;
    expect(full).toMatchObject({ answered: EXAM_LENGTH, stopReason: 'MAX_ITEMS', testDefinitionId: definitionId });

    // One marker per item, at θ after that item as stored with each response; the last one is the final θ.
    const markers = page.locator('#trajectory-chart circle.point');
    expect(await markers.count()).toBe(EXAM_LENGTH);
    const plotted = (await markers.evaluateAll((circles) => circles.map((circle) => circle.getAttribute('data-y')))).map(Number);
    expect(plotted).toEqual(full.responses.map((response: { thetaAfter: number }) => response.thetaAfter));
    expect(plotted[EXAM_LENGTH - 1]).toBe(shown.theta);

    expect(Number(await page.locator('#final-theta').getAttribute('data-value'))).toBe(shown.theta);
    expect(await page.locator('#final-theta').textContent()).toBe(shown.theta.toFixed(2));
    expect(await page.locator('#final-se').textContent()).toBe(shown.se.toFixed(2));
    expect(await page.locator('#scaled-score').textContent()).toBe(String(shown.scaledScore));
    expect(await page.locator('#band').textContent()).toBe(shown.band.label);

    // The page never received a key, a score or an item parameter.
    const received = fieldNames(replies.map((reply) => reply.body));
    for (const secret of ['correctKey', 'correct', 'score', 'a', 'b', 'c', 'd', 'thresholds', 'model', 'responses', 'pretest']) expect(received).not.toContain(secret);

    expect(await scrollsSideways(page)).toBe(false);
    expect(await unlabeledControls(page)).toEqual([]);
    expect(await unnamedInAccessibilityTree(page)).toEqual([]);
    expect(watch.errors).toEqual([]);
    await page.setViewportSize(DESKTOP);
    await saveScreenshot(page, 'demo-candidate', { inReadme: true });
    await page.close();
  });

  it("should start from a platform's launch token in the URL fragment and take it out of the address bar", async () => {
    const platform = await createClient(appServer(app), ['exams:launch']);
    const launch = await request(appServer(app)).post('/v1/launches').set(platform.auth).send({ testDefinitionId: definitionId, candidateId: 'fragment' }).expect(201);
    const { page, watch } = await newPage(PHONE);
    await page.goto(`${baseUrl}/demo/#launch=${launch.body.launchToken}`);
    await page.locator('#progress-text', { hasText: `Question 1 of at most ${EXAM_LENGTH}` }).waitFor();
    expect(page.url()).toBe(`${baseUrl}/demo/`);
    expect(await page.getByRole('radio').count()).toBe(4);
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it("should draw the bank's information curve with its peak where the bank's items are most informative", async () => {
    const server = appServer(app);
    const items = itemsAroundOne();
    const created = await request(server).post('/v1/item-banks').set(ADMIN).send({ name: 'Algebra, items around θ = 1' }).expect(201);
    peakBank = { id: created.body.id, name: created.body.name, items };
    await request(server).post(`/v1/item-banks/${peakBank.id}/items`).set(ADMIN).send({ items }).expect(201);
    // A few exams, so that the page has exposure rates to show.
    const listed = await request(server).get(`/v1/item-banks/${peakBank.id}/items`).set(ADMIN).expect(200);
    const keys = new Map<string, string>(listed.body.items.map((item: { id: string; correctKey: string }) => [item.id, item.correctKey]));
    for (let i = 0; i < 4; i++) {
      const exam = await startExam(server, { bankId: peakBank.id, candidateId: `peak-${i}`, config: { minItems: 5, maxItems: 5 } }).expect(201);
      await answerUntilDone(server, exam.body, keys, { seed: i });
    }
    for (let tries = 0; tries < 50; tries++) {
      const exposure = await request(server).get(`/v1/item-banks/${peakBank.id}/exposure`).set(ADMIN).expect(200);
      if (exposure.body.examsStarted >= 4) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Where the engine puts the peak on the page's default grid (-4 to 4, 161 points), operational items only.
    const engine = createBankSnapshot(items.filter((item) => !item.pretest).map(({ a, b }) => ({ a, b })));
    const grid = Array.from({ length: 161 }, (_, i) => -4 + (8 * i) / 160);
    const curve = grid.map((theta) => Array.from({ length: engine.size }, (_, i) => itemInformation(engine, i, theta)).reduce((sum, value) => sum + value, 0));
    const expectedPeak = grid[curve.indexOf(Math.max(...curve))];

    const { page, watch } = await newPage(DESKTOP);
    await page.goto(`${baseUrl}/demo/bank`);
    expect(await unlabeledControls(page)).toEqual([]);
    await page.getByLabel('Admin key').fill(ADMIN['x-api-key']);
    await page.getByRole('button', { name: 'Load banks' }).click();
    await page.locator('#bank-section').waitFor();
    expect(await page.getByLabel('Admin key').inputValue()).toBe('');
    await page.getByLabel('Item bank').selectOption(peakBank.id);
    await page.locator('#bank-name', { hasText: peakBank.name }).waitFor();
    await page.locator('#exposure table').waitFor();

    const peak = Number(await page.locator('#peak').getAttribute('data-theta'));
    expect(peak).toBeCloseTo(expectedPeak, 10);
    expect(Math.abs(peak - 1)).toBeLessThanOrEqual(0.3);
    expect(Number(await page.locator('#information-chart circle.highlight').getAttribute('data-x'))).toBe(peak);
    const areaRows = await page.locator('#areas tbody tr').allTextContents();
    expect(areaRows).toEqual(['equations1240', 'functions1200', 'geometry1200']);
    expect(await page.locator('#exposure tbody tr').count()).toBeGreaterThan(0);

    expect(await webStorageUsed(page)).toBe(false);
    expect(await unlabeledControls(page)).toEqual([]);
    expect(await unnamedInAccessibilityTree(page)).toEqual([]);
    expect(await scrollsSideways(page)).toBe(false);
    expect(watch.errors).toEqual([]);
    await saveScreenshot(page, 'demo-bank', { inReadme: true });

    await page.getByRole('button', { name: 'Forget the key' }).click();
    expect(await page.locator('#key-section').isVisible()).toBe(true);
    expect(await page.locator('#bank-select option').count()).toBe(0);
    await page.close();
  });
});
