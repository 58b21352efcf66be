// Server settings, read once from the environment.
//
// The first five limits are advertised in CONNECT (spec section 18, SB-HS-007) and enforced exactly as advertised
// (SB-LIM-006). Defaults are the reference server's; tests shorten the keepalive values so the conformance suite's
// keepalive cases finish in seconds instead of minutes (the suite derives its waits from what CONNECT advertises).

function intFromEnv(env, name, fallback, { min = 1 } = {}) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min) {
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return Number(raw);
}

export function loadConfig(env = process.env) {
  const signingKey = env.SWITCHBOARD_SIGNING_KEY ?? '';
  // SB-AUTH-019: the key is text, the HMAC key is its UTF-8 encoding, and a key shorter than 32 bytes is refused.
  if (Buffer.byteLength(signingKey, 'utf8') < 32) {
    throw new Error('SWITCHBOARD_SIGNING_KEY must be set and at least 32 bytes long (SB-AUTH-019)');
  }

  const config = {
    host: env.HOST ?? '127.0.0.1',
    port: intFromEnv(env, 'PORT', 8080, { min: 0 }),
    signingKey: Buffer.from(signingKey, 'utf8'),
    // Empty = allow every Origin (the reference server's default); otherwise a comma-separated allow-list.
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    pingIntervalMs: intFromEnv(env, 'PING_INTERVAL_MS', 25000),
    idleTimeoutMs: intFromEnv(env, 'IDLE_TIMEOUT_MS', 60000),
    maxMessageBytes: intFromEnv(env, 'MAX_MESSAGE_BYTES', 65536),
    rateLimitPerSecond: intFromEnv(env, 'RATE_LIMIT_PER_SECOND', 100),
    rateLimitBurst: intFromEnv(env, 'RATE_LIMIT_BURST', 200),
    historyMaxPerStream: intFromEnv(env, 'HISTORY_MAX_PER_STREAM', 10000),
    historyTtlMs: intFromEnv(env, 'HISTORY_TTL_MS', 7 * 24 * 3600 * 1000),
    // Send queue bound (SB-LIM-004): bytes buffered in the socket that the client has not read yet.
    sendQueueMaxBytes: intFromEnv(env, 'SEND_QUEUE_MAX_BYTES', 8 * 1024 * 1024),
    maxTimersPerConnection: intFromEnv(env, 'MAX_TIMERS_PER_CONNECTION', 100),
  };
  // SB-KA-004: ping_interval_ms < idle_timeout_ms.
  if (config.pingIntervalMs >= config.idleTimeoutMs) {
    throw new Error('PING_INTERVAL_MS must be less than IDLE_TIMEOUT_MS (SB-KA-004)');
  }
  return config;
}

// What this server implements (SB-HS-009). Core is implied and never listed.
export const CAPABILITIES = ['chat', 'presence'];
export const PROTOCOL = 'switchboard.v1.json';
export const SERVER_NAME = 'switchboard-example-node/1.0.0';
