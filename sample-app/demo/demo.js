// One row per scenario of the sample API. Each one is a plain fetch() from this page's origin: whether it
// resolves, and which headers it can read, is the browser's own CORS decision.
const api = window.DEMO_API;

const get = (path, init) => fetch(`${api}${path}`, init);

// socket.io serves its browser client from the API server itself: no CDN, works offline.
const apiOrigin = new URL(api).origin;
let socketIoClient;
function loadSocketIo() {
  socketIoClient ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = `${apiOrigin}/socket.io/socket.io.js`;
    script.onload = () => resolve(window.io);
    script.onerror = () => reject(new Error('could not load /socket.io/socket.io.js'));
    document.head.appendChild(script);
  });
  return socketIoClient;
}

// Opens a socket.io connection with one transport and sends `ping`. Browsers apply no CORS to a
// WebSocket: whether it opens is the server's own origin check.
async function openSocket(transport) {
  const io = await loadSocketIo();
  return new Promise((resolve, reject) => {
    const socket = io(apiOrigin, { transports: [transport], upgrade: false, reconnection: false, forceNew: true, timeout: 5000 });
    socket.on('connect', () => {
      socket.timeout(5000).emit('ping', (error, reply) => {
        socket.close();
        if (error) reject(error);
        else resolve({ reply });
      });
    });
    socket.on('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

const scenarios = [
  { id: 'global', title: 'Global default policy', request: 'GET /reports/summary', run: () => get('/reports/summary') },
  { id: 'admin', title: 'Admin-only controller', request: 'GET /admin/stats', run: () => get('/admin/stats') },
  { id: 'public', title: "Public handler, origin '*'", request: 'GET /public/status', run: () => get('/public/status') },
  { id: 'exposed', title: 'Exposes X-Total-Count', request: 'GET /reports', run: () => get('/reports') },
  {
    id: 'json-post',
    title: 'JSON POST with a custom header (preflighted)',
    request: 'POST /reports\nContent-Type: application/json\nX-Request-Id: demo-1',
    run: () =>
      get('/reports', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'demo-1' },
        body: JSON.stringify({ title: 'From the demo page' }),
      }),
  },
  {
    id: 'credentials',
    title: 'Credentialed request with a cookie',
    request: 'POST /account/session, then GET /account/me\ncredentials: include',
    run: async () => {
      await get('/account/session', { method: 'POST', credentials: 'include' });
      return get('/account/me', { credentials: 'include' });
    },
  },
  {
    id: 'credentials-refused',
    title: 'Credentials where the route does not allow them',
    request: 'GET /reports/summary\ncredentials: include',
    run: () => get('/reports/summary', { credentials: 'include' }),
  },
  { id: 'disabled', title: '@Cors(false) route', request: 'GET /internal/metrics', run: () => get('/internal/metrics') },
  {
    id: 'unauthorized',
    title: 'Guard-protected route, no session',
    request: 'GET /account/me\ncredentials: omit',
    run: () => get('/account/me', { credentials: 'omit' }),
  },
  {
    id: 'socket-websocket',
    kind: 'socket',
    title: 'socket.io gateway, WebSocket transport',
    request: 'io(API, { transports: [\'websocket\'] })\nemit(\'ping\')',
    run: () => openSocket('websocket'),
  },
  {
    id: 'socket-polling',
    kind: 'socket',
    title: 'socket.io gateway, long-polling transport',
    request: 'io(API, { transports: [\'polling\'] })\nemit(\'ping\')',
    run: () => openSocket('polling'),
  },
];

const results = {};

async function runScenario(id) {
  const scenario = scenarios.find((candidate) => candidate.id === id);
  delete results[id];
  document.querySelector(`tr[data-id="${id}"] .outcome`).textContent = 'running…';
  let result;
  try {
    if (scenario.kind === 'socket') {
      const { reply } = await scenario.run();
      result = { id, outcome: 'allowed', status: null, headers: {}, body: JSON.stringify(reply) };
      results[id] = result;
      render(result);
      return result;
    }
    const response = await scenario.run();
    const headers = {};
    response.headers.forEach((value, name) => { headers[name] = value; });
    const body = await response.text();
    result = { id, outcome: 'allowed', status: response.status, headers, body };
  } catch (error) {
    // A CORS refusal reaches JavaScript as a network TypeError, with no status and no headers; a refused
    // socket.io handshake as a connect_error.
    result = { id, outcome: 'blocked', status: null, headers: {}, body: '', error: `${error.name}: ${error.message}` };
  }
  results[id] = result;
  render(result);
  return result;
}

async function runAll() {
  const all = [];
  for (const scenario of scenarios) all.push(await runScenario(scenario.id));
  return all;
}

function render(result) {
  const row = document.querySelector(`tr[data-id="${result.id}"]`);
  const outcome = row.querySelector('.outcome');
  outcome.textContent = result.outcome === 'allowed' ? 'allowed' : `blocked (${result.error})`;
  outcome.className = `outcome ${result.outcome}`;
  row.querySelector('.status').textContent = result.status ?? '—';
  row.querySelector('.headers').textContent = Object.entries(result.headers).map(([name, value]) => `${name}: ${value}`).join('\n') || '—';
  row.querySelector('.body').textContent = result.body.slice(0, 120) || '—';
}

document.getElementById('page-origin').textContent = location.origin;
document.getElementById('api-url').textContent = api;
const tbody = document.getElementById('scenarios');
for (const scenario of scenarios) {
  const row = document.createElement('tr');
  row.dataset.id = scenario.id;
  row.innerHTML = `<td><button>Run</button></td><td>${scenario.title}</td><td class="request"></td>
    <td class="outcome">not run</td><td class="status"></td><td class="headers"></td><td class="body"></td>`;
  row.querySelector('.request').textContent = scenario.request;
  row.querySelector('button').addEventListener('click', () => runScenario(scenario.id));
  tbody.appendChild(row);
}
document.getElementById('run-all').addEventListener('click', () => runAll());

window.demo = { scenarios: scenarios.map((scenario) => scenario.id), results, runScenario, runAll };
