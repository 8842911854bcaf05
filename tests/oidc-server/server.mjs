// A real, independently written OAuth 2.0 server (the npm package `oidc-provider`) for the SDK's
// end-to-end tests. By default its OAuth paths and client are RingCentral's, so the RingCentral
// client runs against it unchanged; `E2E_OIDC_PROFILE=calcom` gives Cal.com's OAuth 2.0 paths and
// clients instead (a public and a confidential one) and, with `E2E_CALCOM_SHAPE`, the answer
// shapes of older Cal.com servers; `procore` and `sunshine` give those providers' paths, JSON
// token bodies and revocation (for the example web app). Every profile also answers one API
// path of its provider with the bearer token's owner (`API_PATHS`). Test use only: in-memory storage, fixed clients, fixed cookie
// key, plain http on 127.0.0.1. See README.md for the login sequence and the environment
// variables.

import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

// oidc-provider prints its notices with console.info (stdout). Stdout is reserved for the single
// `listening ...` line that the test harness reads, so every notice goes to stderr.
console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);

const { default: Provider, interactionPolicy } = await import('oidc-provider');

const CLIENT_ID = 'e2e-client';
// Reserved characters on purpose: client_secret_basic form-encodes them (RFC 6749 §2.3.1) and
// oidc-provider form-decodes them (`+` is a space, then percent-decoding).
const CLIENT_SECRET = 'p@ss:w/rd+%&= ~!';
const REDIRECT_URI = process.env.E2E_REDIRECT_URI || 'http://127.0.0.1:8976/callback';
const ACCESS_TOKEN_TTL = integerEnv('E2E_ACCESS_TOKEN_TTL', 2, 1, 86400);
const PORT = integerEnv('E2E_OIDC_PORT', 0, 0, 65535);
const PROFILE = choiceEnv('E2E_OIDC_PROFILE', 'ringcentral', ['ringcentral', 'calcom', 'procore', 'sunshine']);
// Cal.com's token answers: today's bare RFC 6749 body, or the `{status, data}` envelope of older
// servers with snake_case or camelCase fields (their errors in Cal.com's error envelope).
const CALCOM_SHAPE = choiceEnv('E2E_CALCOM_SHAPE', 'bare', ['bare', 'envelope', 'envelope-camel']);
const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/;
// The `kid` of this run's ID token signing key: a test restarts the server on the same port
// with another one to rotate the key the client must find.
const SIGNING_KID = process.env.E2E_SIGNING_KID || 'e2e';

// The JWT-authenticating clients (RingCentral's client_secret_jwt and private_key_jwt). The
// client_secret_jwt secret is 32 bytes or more (RFC 7518 §3.2), and its ID tokens are HS256,
// keyed with it, as RingCentral may sign them. The private_key_jwt client's public keys come
// from the test-only private keys in keys/ (the tests sign with those).
const SECRET_JWT_SECRET = 'e2e client_secret_jwt secret, 32+ bytes long';
const clientPublicJwk = (file, kid) => ({
  ...createPublicKey(createPrivateKey(readFileSync(new URL(`keys/${file}`, import.meta.url))))
    .export({ format: 'jwk' }),
  kid,
  use: 'sig',
});

// What differs between the profiles: paths, clients, scopes.
const PROFILES = {
  ringcentral: {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }, {
      client_id: 'e2e-secret-jwt',
      client_secret: SECRET_JWT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_jwt',
      id_token_signed_response_alg: 'HS256',
    }, {
      client_id: 'e2e-private-key-jwt',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: {
        keys: [
          clientPublicJwk('client-rs256.pem', 'client-rs256'),
          clientPublicJwk('client-es256.pem', 'client-es256'),
        ],
      },
    }],
    routes: {
      authorization: '/restapi/oauth/authorize',
      token: '/restapi/oauth/token',
      revocation: '/restapi/oauth/revoke',
      jwks: '/restapi/oauth/jwks',
    },
    scopes: ['openid', 'offline_access', 'ReadAccounts', 'email', 'profile'],
    defaultScope: 'ReadAccounts',
    revocation: true,
  },
  // Cal.com: the authorization page of the web app and the API's token endpoint; `client_id`
  // always in the body; a public client (PKCE, no secret) and a confidential one whose secret
  // travels in the body (client_secret_post). Cal.com has no revocation endpoint.
  calcom: {
    clients: [{
      client_id: 'calcom-public',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }, {
      client_id: 'calcom-confidential',
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    routes: {
      authorization: '/auth/oauth2/authorize',
      token: '/v2/auth/oauth2/token',
    },
    scopes: ['offline_access', 'PROFILE_READ', 'BOOKING_READ', 'BOOKING_WRITE'],
    defaultScope: 'PROFILE_READ',
    revocation: false,
  },
  // Procore: JSON token and revocation bodies with the client credentials in them
  // (client_secret_post once converted to a form), no PKCE, refresh tokens rotated; the
  // revocation wants `Procore-Company-Id`. Procore has no scopes: every grant gets `api`.
  procore: {
    clients: [{
      client_id: 'procore-client',
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    routes: {
      authorization: '/oauth/authorize',
      token: '/oauth/token',
      revocation: '/oauth/revoke',
    },
    scopes: ['api'],
    defaultScope: 'api',
    revocation: true,
    pkce: false,
    jsonBodies: true,
  },
  // Sunshine Conversations: a JSON token body, no PKCE, no refresh token, a token that never
  // expires (no `expires_in` in the answer), and `DELETE /oauth/authorization` with the token
  // as Bearer to revoke it (handled below, outside oidc-provider).
  sunshine: {
    clients: [{
      client_id: 'sunshine-client',
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    routes: {
      authorization: '/oauth/authorize',
      token: '/oauth/token',
    },
    scopes: ['app'],
    defaultScope: 'app',
    revocation: false,
    pkce: false,
    jsonBodies: true,
  },
};
// One API path per profile, as the provider names it, answering who the bearer token's owner
// is (401 `invalid_token` for an unknown, expired or revoked token).
const API_PATHS = {
  ringcentral: '/restapi/v1.0/account/~/extension/~',
  calcom: '/v2/me',
  procore: '/rest/v1.0/me',
  sunshine: '/v2/tokenInfo',
};
const profile = PROFILES[PROFILE];
const CLIENT_IDS = new Set(profile.clients.map((c) => c.client_id));
const DEFAULT_SCOPE = profile.defaultScope;

function choiceEnv(name, fallback, choices) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!choices.includes(raw)) {
    process.stderr.write(`${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return raw;
}

function integerEnv(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    process.stderr.write(`${name} must be an integer in ${min}..=${max}, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

// Every authorization request goes through the interaction (login + consent in one POST), also
// when the user agent still holds a session cookie from an earlier login: the flow a test drives
// is then the same every time. The check is satisfied by the login submitted in this interaction.
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'e2e_always_login',
  'every authorization request logs in again',
  'login_required',
  (ctx) => (ctx.oidc.result?.login
    ? interactionPolicy.Check.NO_NEED_TO_PROMPT
    : interactionPolicy.Check.REQUEST_PROMPT),
));

// A fresh signing key per run, for ID tokens (RS256 is oidc-provider's default algorithm).
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'jwk' });

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: profile.clients,
  routes: profile.routes,
  scopes: profile.scopes,
  jwks: { keys: [{ ...signingKey, kid: SIGNING_KID, use: 'sig', alg: 'RS256' }] },
  // RingCentral's discovery document lists RS256 and HS256 for ID tokens.
  enabledJWA: { idTokenSigningAlgValues: ['RS256', 'HS256'] },
  // RingCentral's ID token claims (see README): account_id with every ID token, email and
  // names with their scopes, in the ID token itself.
  claims: {
    openid: ['sub', 'account_id'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name'],
  },
  conformIdTokenClaims: false,
  // `enableHttpPostMethods` (POST to the authorization endpoint, which RingCentral accepts too)
  // requires SameSite=None on the long-lived session cookie. Plain http on 127.0.0.1 works:
  // cookies are marked Secure only when the request itself came over https.
  cookies: {
    keys: ['e2e-test-only-cookie-signing-key'],
    long: { httpOnly: true, sameSite: 'none' },
  },
  enableHttpPostMethods: true,
  // RingCentral does not require `scope` (an app gets the permissions it was registered with);
  // oidc-provider refuses a request that ends up with no scope (access_denied), so a request
  // without one gets DEFAULT_SCOPE.
  extraParams: {
    scope: (ctx, value) => {
      if (!value) ctx.oidc.params.scope = DEFAULT_SCOPE;
    },
  },
  // PKCE on every authorization request (but Procore's and Sunshine's, which do not send it);
  // oidc-provider implements S256 only (plain is refused).
  pkce: { required: () => profile.pkce !== false },
  features: {
    devInteractions: { enabled: false },
    revocation: {
      enabled: profile.revocation,
      allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
    },
  },
  // A refresh token for this client on every code exchange, with or without `offline_access`,
  // and not tied to the login session.
  issueRefreshToken: async (_ctx, client) => CLIENT_IDS.has(client.clientId)
    && client.grantTypeAllowed('refresh_token'),
  expiresWithSession: async () => false,
  // Every refresh rotates: the presented refresh token is consumed and a new one returned.
  // Presenting a consumed one again is `invalid_grant` and revokes the whole grant.
  rotateRefreshToken: true,
  // Enforce the lifetimes exactly (the default accepts tokens 15 s past their expiry).
  clockTolerance: 0,
  ttl: {
    AccessToken: ACCESS_TOKEN_TTL,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 86400,
    RefreshToken: 86400,
  },
  interactions: {
    policy,
    url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  // Errors the authorization endpoint cannot redirect (bad client_id or redirect_uri) are
  // rendered as the same RFC 6749 JSON the other endpoints answer, instead of an HTML page.
  renderError: async (ctx, out) => {
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = { error: out.error, error_description: out.error_description };
  },
  findAccount: async (_ctx, accountId) => ({
    accountId,
    claims: async () => ({
      sub: accountId,
      account_id: '37439510',
      email: `${accountId}@example.com`,
      email_verified: true,
      given_name: accountId,
      family_name: 'Example',
    }),
  }),
  // Consent is granted automatically, with exactly what the request asks for.
  loadExistingGrant: async (ctx) => {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!grant || grant.accountId !== oidc.session.accountId) {
      grant = new oidc.provider.Grant({
        accountId: oidc.session.accountId,
        clientId: oidc.client.clientId,
      });
    }
    const scope = [...oidc.requestParamOIDCScopes].join(' ');
    if (scope) grant.addOIDCScope(scope);
    const claims = [...oidc.requestParamClaims];
    if (claims.length) grant.addOIDCClaims(claims);
    await grant.save();
    return grant;
  },
});

// Cal.com's answers, rewritten from oidc-provider's RFC 6749 ones on the token endpoint: the
// token type in lower case (`bearer`, as Cal.com's `mintTokens` writes it) and, for the older
// shapes, the `{status, data}` envelope; errors then in Cal.com's error envelope with the RFC 6749
// code as its message (`HttpExceptionFilter` over `HttpException(err.message)`).
if (PROFILE === 'calcom') {
  const camel = { access_token: 'accessToken', token_type: 'tokenType', refresh_token: 'refreshToken', expires_in: 'expiresIn' };
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== profile.routes.token || !ctx.body || typeof ctx.body !== 'object') return;
    const body = { ...ctx.body };
    if (typeof body.error === 'string') {
      if (CALCOM_SHAPE === 'bare') return;
      ctx.body = {
        status: 'error',
        timestamp: new Date().toISOString(),
        path: ctx.path,
        error: { code: ctx.status === 401 ? 'UnauthorizedException' : 'BadRequestException', message: body.error },
      };
      return;
    }
    if (typeof body.token_type === 'string') body.token_type = body.token_type.toLowerCase();
    if (CALCOM_SHAPE === 'bare') {
      ctx.body = body;
    } else if (CALCOM_SHAPE === 'envelope') {
      ctx.body = { status: 'success', data: body };
    } else {
      const data = {};
      for (const [k, v] of Object.entries(body)) data[camel[k] || k] = v;
      ctx.body = { status: 'success', data };
    }
  });
}

// Sunshine's token answer has no lifetime: its tokens never expire.
if (PROFILE === 'sunshine') {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== profile.routes.token || !ctx.body || typeof ctx.body !== 'object') return;
    const { expires_in: _dropped, ...body } = ctx.body;
    ctx.body = body;
  });
}

// The interaction: `GET /interaction/<uid>` shows a form (optional), and
// `POST /interaction/<uid>/login` with the form field `login=<user>` logs that user in, after
// which consent is automatic; it answers 303 back to `/restapi/oauth/authorize/<uid>`.
async function interaction(req, res, uid, isLogin) {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      return sendError(res, 400, 'invalid_request', 'interaction uid does not match the cookie');
    }
    if (!isLogin) {
      if (req.method !== 'GET') return sendError(res, 405, 'invalid_request', 'use GET');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><title>Sign in</title><form method="post" action="/interaction/${uid}/login">`
        + '<label>User <input name="login" value="alice"></label> <button>Sign in and allow</button></form>');
      return undefined;
    }
    if (req.method !== 'POST') return sendError(res, 405, 'invalid_request', 'use POST');
    const type = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      return sendError(res, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    const login = new URLSearchParams(await readBody(req)).get('login');
    if (!login) return sendError(res, 400, 'invalid_request', 'the form field login is required');
    // Consent is part of the same submission (so `prompt=consent` needs no second round); the
    // grant's scopes and claims are filled in by loadExistingGrant when the flow resumes.
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grantId = grant?.accountId === login
      ? grant.jti
      : await new provider.Grant({ accountId: login, clientId: details.params.client_id }).save();
    return await provider.interactionFinished(req, res, {
      login: { accountId: login },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
  } catch (err) {
    return sendError(res, err.statusCode || 400, err.error || 'invalid_request',
      err.error_description || err.message);
  }
}

function sendError(res, status, error, description) {
  if (res.headersSent) return res.end();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  return res.end(JSON.stringify({ error, error_description: description }));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 64 * 1024) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

// The access token a request's `Authorization: Bearer` names, if it is live.
async function bearerToken(req) {
  const [scheme, value] = (req.headers.authorization || '').split(' ');
  if (!/^bearer$/i.test(scheme || '') || !value) return undefined;
  const token = await provider.AccessToken.find(value);
  return token && !token.isExpired ? token : undefined;
}

// The profile's API path: who the token's owner is, in the provider's shape.
async function api(req, res) {
  const token = await bearerToken(req);
  if (!token) return sendError(res, 401, 'invalid_token', 'the access token is unknown, expired or revoked');
  const who = token.accountId;
  const body = {
    ringcentral: { id: 101, extensionNumber: '101', name: who, status: 'Enabled', account: { id: '37439510' } },
    calcom: { status: 'success', data: { id: 1, username: who, email: `${who}@example.com` } },
    procore: { id: 42, login: `${who}@example.com`, name: who },
    sunshine: { app: { id: 'e2e-app', displayName: `${who}'s app`, subdomain: 'e2e' } },
  }[PROFILE];
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  return res.end(JSON.stringify(body));
}

// Sunshine's revocation: `DELETE /oauth/authorization`, the token as Bearer; `{}` when done.
async function sunshineRevoke(req, res) {
  const token = await bearerToken(req);
  if (!token) return sendError(res, 401, 'invalid_token', 'the access token is unknown, expired or revoked');
  await token.destroy();
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  return res.end('{}');
}

// Procore and Sunshine send JSON to the token and revocation endpoints, which oidc-provider
// reads as forms only: the JSON object is handed on as the form it stands for. Procore's
// revocation also needs its company header.
async function jsonToForm(req, res) {
  const text = await readBody(req);
  let fields;
  try {
    fields = JSON.parse(text);
  } catch {
    sendError(res, 400, 'invalid_request', 'the body is not JSON');
    return false;
  }
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
    sendError(res, 400, 'invalid_request', 'the body is not a JSON object');
    return false;
  }
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' || typeof v === 'number') form.append(k, String(v));
  }
  req.body = form.toString();
  req.headers['content-type'] = 'application/x-www-form-urlencoded';
  // Koa looks for a body by its length header; chunked transfer no longer applies.
  req.headers['content-length'] = String(Buffer.byteLength(req.body));
  delete req.headers['transfer-encoding'];
  return true;
}

const handle = provider.callback();
server.on('request', async (req, res) => {
  const { pathname } = new URL(req.url, issuer);
  const match = INTERACTION.exec(pathname);
  try {
    if (match) {
      interaction(req, res, match[1], Boolean(match[2]));
    } else if (req.method === 'GET' && pathname === API_PATHS[PROFILE]) {
      await api(req, res);
    } else if (PROFILE === 'sunshine' && req.method === 'DELETE' && pathname === '/oauth/authorization') {
      await sunshineRevoke(req, res);
    } else if (profile.jsonBodies && req.method === 'POST'
      && [profile.routes.token, profile.routes.revocation].includes(pathname)
      && (req.headers['content-type'] || '').toLowerCase().startsWith('application/json')) {
      if (pathname === '/oauth/revoke' && !/^\d+$/.test(req.headers['procore-company-id'] || '')) {
        sendError(res, 400, 'invalid_request', 'Procore-Company-Id is required');
      } else if (await jsonToForm(req, res)) {
        handle(req, res);
      }
    } else {
      handle(req, res);
    }
  } catch (err) {
    sendError(res, 500, 'server_error', err.message);
  }
});

// Exit on SIGTERM/SIGINT, and when stdin closes (a harness that dies closes its end of the pipe).
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();

process.stdout.write(`listening ${issuer}\n`);
