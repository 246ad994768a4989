// The records every benchmark uses, so that their results compare.

/** A ~200-byte log record, shaped like a pino-http request log (nested). */
export function requestRecord(i) {
  return {
    level: 30,
    time: 1700000000000 + i,
    pid: 4242,
    hostname: 'api-7f9c-2',
    reqId: `req-${i}`,
    req: { method: 'GET', url: `/v1/orders/${i}?expand=items`, remoteAddress: '10.0.3.17' },
    res: { statusCode: 200 },
    responseTime: 12.5,
    msg: 'request completed',
  };
}

/** A flat ~200-byte record: pino's default keys (level, time, pid, hostname, msg), one long message. */
export function flatRecord(i) {
  return {
    level: 30,
    time: 1700000000000 + i,
    pid: 4242,
    hostname: 'api-7f9c-2',
    msg: `request ${i} completed: GET /v1/orders?expand=items&page=3 from 10.0.3.17 in 12.5 ms, 200 OK, 1734 bytes, cache miss, upstream orders-api-2`,
  };
}
