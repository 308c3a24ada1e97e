/**
 * The API's log lines: the same JSON shape and redaction as the runner's (@embolus/shared).
 */
import { describe, expect, it } from 'vitest';
import { consoleLogger, memoryLogger } from '../src/log';

describe('API logs', () => {
  it('write {ts, level, event} lines with flat, bounded fields, warnings to the error stream', () => {
    const out: string[] = [];
    const err: string[] = [];
    const log = consoleLogger('info', { out: (l) => out.push(l), err: (l) => err.push(l) });
    log.log('debug', 'hidden');
    log.log('info', 'request', {
      route: '/v1/studies/:id',
      status: 200,
      ms: 3,
      files: ['/data/PATIENT/1.dcm'],
      details: { sop: '1.2.3', count: 2 },
      message: 'x'.repeat(500),
    });
    log.log('warn', 'slow', { ms: 900 });
    expect(out).toHaveLength(1);
    expect(err).toHaveLength(1);
    const o = JSON.parse(out[0]!);
    expect(Object.keys(o).slice(0, 3)).toEqual(['ts', 'level', 'event']);
    expect(o).toMatchObject({ level: 'info', event: 'request', route: '/v1/studies/:id', status: 200, ms: 3, details: { count: 2 } });
    expect(o.message).toHaveLength(120);
    expect(out[0]).not.toMatch(/PATIENT|1\.2\.3/);
  });

  it('memory lines are redacted as they would be written', () => {
    const log = memoryLogger();
    log.log('error', 'failed', { files: ['a'], code: 'X' });
    expect(log.lines).toEqual([{ level: 'error', event: 'failed', fields: { code: 'X' } }]);
  });
});
