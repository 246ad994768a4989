import { describe, expect, it } from 'vitest';
import { planService } from '../../src/plan/service.js';
import { fixture, lines, load, loadError } from '../config/fixture.js';

describe('[SERVICE] HTTP and health check keys', () => {
  it('reads every key, Hot_Reload included, without a warning', async () => {
    const dir = fixture({
      'fluent-bit.conf': lines(
        '[SERVICE]',
        '    HTTP_Server            On',
        '    HTTP_Listen            0.0.0.0',
        '    HTTP_Port              0',
        '    Health_Check           on',
        '    HC_Errors_Count        3',
        '    HC_Retry_Failure_Count 4',
        '    HC_Period              10',
        '    HTTP_Token             s3cret',
        '    Hot_Reload             On',
      ),
    });
    const loaded = await load(dir);
    expect(loaded.config.service).toEqual({
      httpServer: true,
      httpListen: '0.0.0.0',
      httpPort: 0,
      healthCheck: true,
      hcErrorsCount: 3,
      hcRetryFailureCount: 4,
      hcPeriod: 10,
      httpToken: 's3cret',
      hotReload: true,
    });
    expect(loaded.unsupportedServiceKeys).toEqual([]);
    expect(loaded.warnings).toEqual([]);
  });

  it.each([
    ['HTTP_Port', '70000', /fluent-bit\.conf:2: HTTP_Port: '70000' is not an integer from 0 to 65535/],
    ['HTTP_Server', 'maybe', /fluent-bit\.conf:2: HTTP_Server: 'maybe' is not a boolean/],
    ['HC_Period', '0', /fluent-bit\.conf:2: HC_Period: '0' is not an integer from 1 to 86400/],
    ['HC_Errors_Count', '-1', /fluent-bit\.conf:2: HC_Errors_Count: '-1' is not an integer/],
  ])('refuses a bad %s with file:line', async (key, value, message) => {
    const dir = fixture({ 'fluent-bit.conf': lines('[SERVICE]', `    ${key} ${value}`) });
    const error = await loadError(dir);
    expect(error.message).toMatch(message);
  });

  it('defaults: off, 127.0.0.1:2020, Fluent Bit health thresholds (5, 5, 60 s)', () => {
    expect(planService().http).toEqual({
      server: false,
      listen: '127.0.0.1',
      port: 2020,
      healthCheck: false,
      hcErrorsCount: 5,
      hcRetryFailureCount: 5,
      hcPeriod: 60,
      token: undefined,
    });
    expect(planService({ httpListen: '0.0.0.0', httpServer: 'on' }).http).toMatchObject({ server: true, listen: '0.0.0.0' });
  });
});
