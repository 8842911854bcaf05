// A real, independently written OAuth 2.0 server (oidc-provider) for the SDK's end-to-end
// tests, with RingCentral's paths so that `ringcentral-oauth` runs against it unchanged.
//
// Environment: E2E_OIDC_PORT (default 0: any free port), E2E_ACCESS_TOKEN_TTL (seconds,
// default 2), E2E_REDIRECT_URI (default http://127.0.0.1:8976/callback).
// Prints `listening http://127.0.0.1:<port>` once ready. Exits on SIGTERM/SIGINT and when its
// stdin closes, so a test harness that dies never leaves it running.

import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const CLIENT_ID = 'e2e-client';
// Reserved characters on purpose: client_secret_basic must form-encode them (RFC 6749 §2.3.1).
const CLIENT_SECRET = 'p@ss:w/rd+%&= ~!';
const REDIRECT_URI = process.env.E2E_REDIRECT_URI ?? 'http://127.0.0.1:8976/callback';
const ACCESS_TOKEN_TTL = Number(process.env.E2E_ACCESS_TOKEN_TTL ?? 2);
const PORT = Number(process.env.E2E_OIDC_PORT ?? 0);

const server = createServer();
await new Promise((resolve) => server.listen(PORT, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  routes: {
    authorization: '/restapi/oauth/authorize',
    token: '/restapi/oauth/token',
    revocation: '/restapi/oauth/revoke',
  },
  // PKCE for every client, S256 only.
  pkce: { methods: ['S256'], required: () => true },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
  },
  // Every refresh rotates: the old refresh token is consumed, and presenting it again is
  // refused with invalid_grant (and revokes the grant, as reuse detection should).
  rotateRefreshToken: () => true,
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: ACCESS_TOKEN_TTL,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: 3600,
    Interaction: 600,
    RefreshToken: 3600,
    Session: 3600,
  },
  cookies: { keys: ['e2e-only-cookie-signing-key'] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (_ctx, accountId) => ({ accountId, claims: async () => ({ sub: accountId }) }),
});

// The login and consent steps, completable by any HTTP client that keeps cookies:
// `POST /interaction/<uid>/login` with the form field `login=<user>` answers the current prompt
// (login, then consent granting what the client asked for) and redirects (303) back to the
// authorization endpoint, which either starts the next prompt or redirects to the client.
async function interaction(req, res) {
  const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return false;
  try {
    const details = await provider.interactionDetails(req, res);
    if (!match[2]) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<form method="post" action="/interaction/${details.uid}/login">`
        + '<input name="login"><button>Sign in and allow</button></form>');
      return true;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return true;
    }
    const form = new URLSearchParams(await readBody(req));
    const accountId = form.get('login');
    if (!accountId) {
      res.writeHead(400).end('login is required');
      return true;
    }
    const { params, prompt } = details;
    let result;
    if (prompt.name === 'login') {
      result = { login: { accountId } };
    } else {
      // Consent: grant exactly what the client is still missing.
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      if (prompt.details.missingResourceScopes) {
        for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes)) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
      }
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
  } catch (err) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_request', error_description: String(err.message) }));
  }
  return true;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const handle = provider.callback();
server.on('request', async (req, res) => {
  if (!(await interaction(req, res))) handle(req, res);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();

console.log(`listening ${issuer}`);
