// The candidate page: start an exam from a launch token (or a demo exam), answer one item at a time, then see the
// result and how θ ± SE moved after each item. The exam token lives in this module's memory only.

import { api, oneAtATime } from './api.js';
import { drawChart, paddedDomain } from './chart.js';

const $ = (id) => document.getElementById(id);

/** Runs one user action at a time (a double click starts nothing twice), its failure shown in the alert box. */
const guarded = oneAtATime($('error'));

const STOP_REASONS = {
  MAX_ITEMS: 'it reached its maximum number of items',
  SE_THRESHOLD: 'the estimate was precise enough',
  CLASSIFIED: 'the result was clear enough to classify',
  BANK_EXHAUSTED: 'no suitable item was left',
  FINISHED: 'it was ended early',
};

/** The running exam: its id and token, and θ ± SE after each answer (when its feedback mode shows θ). */
let exam = null;
/** The trajectory on screen, redrawn at the new width when the window changes (a phone turned sideways). */
let drawn = null;

const sections = { start: $('start'), exam: $('exam'), result: $('result') };

function show(name) {
  for (const [key, section] of Object.entries(sections)) section.hidden = key !== name;
}

async function startWithLaunchToken(launchToken) {
  const started = await api('POST', '/v1/exams', { body: { launchToken } });
  exam = { id: started.examId, token: started.token, trajectory: [] };
  show('exam');
  renderStep(started);
}

const examHeaders = () => ({ authorization: `Bearer ${exam.token}` });

/** Progress, the live estimate (feedback `theta` only) and the item, from a start, answer or exam reply. */
function renderStep(step) {
  const number = step.answered + 1;
  const bounded = typeof step.maxItems === 'number';
  $('progress-text').textContent = bounded ? `Question ${number} of at most ${step.maxItems}` : `Question ${number}`;
  const bar = $('progress');
  bar.hidden = !bounded;
  if (bounded) {
    bar.max = step.maxItems;
    bar.value = step.answered;
  }
  const estimate = $('live-estimate');
  estimate.hidden = typeof step.theta !== 'number';
  if (!estimate.hidden) estimate.textContent = `Current estimate: θ = ${step.theta.toFixed(2)} ± ${step.se.toFixed(2)}`;
  renderItem(step.item);
}

function renderItem(item) {
  exam.itemId = item.id;
  $('stem').textContent = item.stem;
  const options = $('options');
  options.replaceChildren(
    ...item.options.map((option, index) => {
      const label = document.createElement('label');
      label.className = 'option';
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = 'answer';
      input.value = option.key;
      input.id = `option-${index}`;
      const key = document.createElement('span');
      key.className = 'option-key';
      key.textContent = option.key;
      const text = document.createElement('span');
      text.className = 'option-text';
      text.textContent = option.text;
      // The space keeps the key and the text apart in the radio's accessible name ("B 82", not "B82").
      label.append(input, key, ' ', text);
      return label;
    }),
  );
  $('submit-answer').disabled = true;
  options.querySelector('input')?.focus();
}

/** Refusals that mean this page is behind the exam (another tab answered, say): show where the exam really is. */
const OUT_OF_STEP = new Set(['NOT_CURRENT_ITEM', 'ALREADY_ANSWERED', 'EXAM_FINISHED']);

async function submitAnswer(answer) {
  let reply;
  try {
    reply = await api('POST', `/v1/exams/${exam.id}/answers`, { body: { itemId: exam.itemId, answer }, headers: examHeaders() });
  } catch (error) {
    if (OUT_OF_STEP.has(error.code)) await catchUp();
    throw error;
  }
  if (typeof reply.theta === 'number') exam.trajectory.push({ item: reply.answered, theta: reply.theta, se: reply.se });
  if (reply.done) await showResult();
  else renderStep(reply);
}

async function catchUp() {
  const current = await api('GET', `/v1/exams/${exam.id}`, { headers: examHeaders() });
  if (current.status === 'active' && current.item) renderStep(current);
  else await showResult();
}

async function showResult() {
  const result = await api('GET', `/v1/exams/${exam.id}/result`, { headers: examHeaders() });
  show('result');
  const rows = [['Items answered', String(result.answered)]];
  if (result.stopReason) rows.push(['The exam stopped because', STOP_REASONS[result.stopReason] ?? result.stopReason]);
  if (typeof result.theta === 'number') rows.unshift(['Ability (θ)', result.theta.toFixed(2), 'final-theta', result.theta], ['Standard error', result.se.toFixed(2), 'final-se', result.se]);
  if (typeof result.scaledScore === 'number') rows.push(['Scaled score', String(result.scaledScore), 'scaled-score', result.scaledScore]);
  if (result.band) rows.push(['Performance band', result.band.label, 'band']);
  if (result.classification?.label) rows.push(['Classification', result.classification.label, 'classification']);
  $('result-summary').replaceChildren(
    ...rows.flatMap(([term, value, id, exact]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      if (id) dd.id = id;
      if (exact !== undefined) dd.dataset.value = String(exact);
      return [dt, dd];
    }),
  );
  const hasTrajectory = exam.trajectory.length > 0;
  $('trajectory').hidden = !hasTrajectory;
  $('no-trajectory').hidden = hasTrajectory;
  if (hasTrajectory) drawTrajectory(exam.trajectory);
  drawn = hasTrajectory ? exam.trajectory : null;
  $('result-title').focus();
}

function drawTrajectory(trajectory) {
  const points = trajectory.map(({ item, theta, se }) => ({
    x: item,
    y: theta,
    low: theta - se,
    high: theta + se,
    title: `After item ${item}: θ = ${theta.toFixed(2)} ± ${se.toFixed(2)}`,
  }));
  const last = trajectory[trajectory.length - 1];
  drawChart($('trajectory-chart'), {
    points,
    xLabel: 'Items answered',
    yLabel: 'θ ± SE',
    xDomain: [0.5, Math.max(trajectory.length, 2) + 0.5],
    yDomain: paddedDomain(points.flatMap((p) => [p.low, p.high]), { minSpan: 1 }),
    markers: true,
    errorBars: true,
    integerX: true,
    describe: `θ after each of ${trajectory.length} items, ending at ${last.theta.toFixed(2)} ± ${last.se.toFixed(2)}.`,
  });
}

function launchTokenFromFragment() {
  const token = new URLSearchParams(location.hash.slice(1)).get('launch');
  // Out of the address bar and history: the token is single use, but it should not linger on screen or in a bookmark.
  if (token !== null) history.replaceState(null, '', location.pathname + location.search);
  return token;
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('launch-token').value.trim();
  void guarded(() => startWithLaunchToken(token));
});

$('demo-button').addEventListener('click', () => {
  void guarded(async () => startWithLaunchToken((await api('POST', '/v1/demo/launches')).launchToken));
});

$('options').addEventListener('change', () => {
  $('submit-answer').disabled = false;
});

$('answer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const chosen = $('answer-form').querySelector('input[name="answer"]:checked');
  if (!chosen) return;
  $('submit-answer').disabled = true;
  void guarded(() => submitAnswer(chosen.value)).then(() => {
    // After a refused answer the same item stays up; let the candidate send it again.
    if (!sections.exam.hidden && $('answer-form').querySelector('input[name="answer"]:checked')) $('submit-answer').disabled = false;
  });
});

window.addEventListener('resize', () => {
  if (drawn && !sections.result.hidden) drawTrajectory(drawn);
});

$('restart').addEventListener('click', () => {
  exam = null;
  drawn = null;
  $('launch-token').value = '';
  show('start');
});

const fragmentToken = launchTokenFromFragment();
if (fragmentToken) void guarded(() => startWithLaunchToken(fragmentToken));
// Without demo exams (or should the question fail) the page still takes launch tokens.
api('GET', '/v1/demo').then(
  (status) => ($('demo-start').hidden = !status.demoExams),
  () => undefined,
);
