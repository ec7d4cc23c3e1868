// The bank page: with a key typed in (kept in this module's memory only, never in storage), pick a bank and see
// its test information curve, SE(θ), items per content area and item exposure rates.

import { api, oneAtATime, showError } from './api.js';
import { drawChart, paddedDomain } from './chart.js';

const $ = (id) => document.getElementById(id);

/** Runs one user action at a time (a double click starts nothing twice), its failure shown in the alert box. */
const guarded = oneAtATime($('error'));

/** Pages of GET /v1/item-banks read at most (100 banks each). */
const MAX_BANK_PAGES = 20;
/** Exposure rows shown: the most exposed items of the report's first page. */
const TOP_EXPOSED = 10;

let apiKey = null;
/** The curve on screen, redrawn at the new width when the window changes. */
let drawn = null;

const keyHeaders = () => ({ 'x-api-key': apiKey });

async function loadBanks() {
  const banks = [];
  let cursor = null;
  for (let page = 0; page < MAX_BANK_PAGES; page++) {
    const query = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
    const body = await api('GET', `/v1/item-banks?${query}`, { headers: keyHeaders() });
    banks.push(...body.banks);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  banks.sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id));
  return banks;
}

function forgetKey() {
  apiKey = null;
  drawn = null;
  $('bank-select').replaceChildren();
  $('bank-section').hidden = true;
  $('report').hidden = true;
  $('key-section').hidden = false;
}

async function signIn() {
  apiKey = $('api-key').value.trim();
  $('api-key').value = '';
  let banks;
  try {
    banks = await loadBanks();
  } catch (error) {
    forgetKey();
    throw error;
  }
  const select = $('bank-select');
  select.replaceChildren(
    ...banks.map((bank) => {
      const option = document.createElement('option');
      option.value = bank.id;
      option.textContent = `${bank.name} (${bank.itemCount} items)`;
      return option;
    }),
  );
  $('key-section').hidden = true;
  $('bank-section').hidden = false;
  if (banks.length === 0) throw new Error('This key sees no item banks.');
  select.focus();
  await showBank();
}

/** Reports asked for so far: only the latest one is shown when several are under way (a quick change of bank). */
let asked = 0;

async function showBank() {
  const ticket = ++asked;
  const bankId = $('bank-select').value;
  const query = new URLSearchParams({ from: $('theta-from').value, to: $('theta-to').value, points: $('points').value });
  const [bank, information, exposure] = await Promise.all([
    api('GET', `/v1/item-banks/${bankId}`, { headers: keyHeaders() }),
    api('GET', `/v1/item-banks/${bankId}/information?${query}`, { headers: keyHeaders() }),
    exposureOf(bankId),
  ]);
  if (ticket !== asked) return;
  $('report').hidden = false;
  $('bank-name').textContent = bank.name;
  const { operational, pretest, disabled } = information.items;
  $('bank-summary').textContent = `${operational} operational items, ${pretest} pretest, ${disabled} disabled · bank version ${information.version}`;
  drawn = information.points;
  drawInformation(drawn);
  renderAreas(information.contentAreas);
  renderExposure(exposure);
}

function drawInformation(points) {
  const peak = points.reduce((best, point) => (point.information > best.information ? point : best), points[0]);
  const thetaDomain = [points[0].theta, points[points.length - 1].theta];
  const peakText = $('peak');
  if (!(peak.information > 0)) {
    peakText.textContent = 'No operational items: the bank measures nothing yet.';
    delete peakText.dataset.theta;
  } else {
    peakText.textContent = `Most informative at θ = ${peak.theta.toFixed(2)}: information ${peak.information.toFixed(2)}, SE ${peak.se.toFixed(2)}.`;
    peakText.dataset.theta = String(peak.theta);
  }
  drawChart($('information-chart'), {
    points: points.map((p) => ({ x: p.theta, y: p.information })),
    xLabel: 'θ',
    yLabel: 'Information',
    xDomain: thetaDomain,
    yDomain: paddedDomain(points.map((p) => p.information), { includeZero: true, minSpan: 1 }),
    highlight: peak.information > 0 ? { x: peak.theta, y: peak.information, title: peakText.textContent } : null,
    describe: peakText.textContent,
  });
  const finite = points.filter((p) => p.se !== null).map((p) => p.se);
  // SE grows without bound where the bank has nothing to offer: the axis stops where the curve stops being useful.
  const seTop = finite.length ? Math.min(Math.max(...finite), Math.max(1, 4 * Math.min(...finite))) : 1;
  drawChart($('se-chart'), {
    points: points.map((p) => ({ x: p.theta, y: p.se })),
    xLabel: 'θ',
    yLabel: 'SE(θ)',
    xDomain: thetaDomain,
    yDomain: [0, seTop * 1.05],
    describe: finite.length ? `Smallest SE ${Math.min(...finite).toFixed(2)}.` : 'No SE: the bank has no operational items.',
  });
}

function cell(text, numeric = false) {
  const td = document.createElement('td');
  td.textContent = text;
  if (numeric) td.className = 'number';
  return td;
}

function renderAreas(areas) {
  $('areas').tBodies[0].replaceChildren(
    ...areas.map((area) => {
      const row = document.createElement('tr');
      row.append(cell(area.area ?? '(none)'), cell(String(area.operational), true), cell(String(area.pretest), true), cell(String(area.disabled), true));
      return row;
    }),
  );
}

/** The bank's exposure report, or why there is none (exposure is admin-only: a banks:read key still sees the rest). */
async function exposureOf(bankId) {
  try {
    return { report: await api('GET', `/v1/item-banks/${bankId}/exposure?limit=1000`, { headers: keyHeaders() }) };
  } catch (error) {
    return { problem: error.code === 'FORBIDDEN' ? 'Exposure rates need a key with the admin scope.' : `Exposure is unavailable: ${error.message}` };
  }
}

function renderExposure({ report, problem }) {
  const box = $('exposure');
  if (problem) {
    box.replaceChildren(paragraph(problem));
    return;
  }
  if (report.examsStarted === 0) {
    box.replaceChildren(paragraph('No exams have started on this bank yet, so no item has been exposed.'));
    return;
  }
  const summary = paragraph(
    `${report.examsStarted} exams started · highest item exposure rate ${report.maxRate.toFixed(3)} · test overlap rate ${report.testOverlapRate.toFixed(3)}`,
  );
  const top = report.items.filter((item) => item.administrations > 0).sort((x, y) => y.rate - x.rate).slice(0, TOP_EXPOSED);
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const [text, numeric] of [['Item', false], ['Administrations', true], ['Exposure rate', true]]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = text;
    if (numeric) th.className = 'number';
    head.append(th);
  }
  const body = table.createTBody();
  for (const item of top) body.append(rowOf(cell(item.externalId), cell(String(item.administrations), true), cell(item.rate.toFixed(3), true)));
  const caption = table.createCaption();
  caption.textContent = `The ${top.length} most exposed items${report.nextCursor ? ' of the first 1,000' : ''}`;
  const scroll = document.createElement('div');
  scroll.className = 'table-scroll';
  scroll.append(table);
  box.replaceChildren(summary, scroll);
}

function rowOf(...cells) {
  const row = document.createElement('tr');
  row.append(...cells);
  return row;
}

function paragraph(text) {
  const p = document.createElement('p');
  p.textContent = text;
  return p;
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void guarded(signIn);
});

/** Shows what went wrong instead of throwing; unlike `guarded`, lets a newer report start while one is loading. */
function report() {
  showError($('error'), null);
  showBank().catch((error) => showError($('error'), error));
}

$('bank-form').addEventListener('submit', (event) => {
  event.preventDefault();
  report();
});

$('bank-select').addEventListener('change', report);

$('forget-key').addEventListener('click', () => {
  forgetKey();
  showError($('error'), null);
  $('api-key').focus();
});

window.addEventListener('resize', () => {
  if (drawn && !$('report').hidden) drawInformation(drawn);
});
