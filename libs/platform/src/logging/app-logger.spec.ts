import { Writable } from 'node:stream';
import { JsonLogger } from './app-logger';

/** A logger writing into an array of parsed lines. */
function capture(level: ConstructorParameters<typeof JsonLogger>[0]) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: new JsonLogger(level, sink), lines };
}

describe('the JSON log', () => {
  it('writes one JSON object per entry with level, time, context and message', () => {
    const { logger, lines } = capture('log');
    logger.log('projection caught up', 'Projections');
    logger.warn('lease lost', 'Reminders');
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        context: 'Projections',
        msg: 'projection caught up',
      },
      { level: 'warn', time: expect.any(String), context: 'Reminders', msg: 'lease lost' },
    ]);
  });

  it('keeps below its level quiet, Nest’s wiring lines at debug, and the banner whatever the level', () => {
    const { logger, lines } = capture('warn');
    logger.log('not shown', 'Somewhere');
    logger.debug('not shown either');
    logger.announce('listening', { context: 'Main' });
    expect(lines.map((line) => line.msg)).toEqual(['listening']);
    const atLog = capture('log');
    atLog.logger.log('Mapped {/cases, GET} route', 'RouterExplorer');
    atLog.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    expect(atLog.lines).toEqual([]);
    const atDebug = capture('debug');
    atDebug.logger.log('Mapped {/cases, GET} route', 'RouterExplorer');
    expect(atDebug.lines).toEqual([expect.objectContaining({ level: 'debug', context: 'RouterExplorer' })]);
  });

  it('keeps an object’s fields as fields and an error’s stack', () => {
    const { logger, lines } = capture('log');
    logger.log({ msg: 'worker started', health: { redis: { status: 'up' } } }, 'Worker');
    logger.error('append failed', 'Error: boom\n    at here', 'Commands');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'worker started', context: 'Worker', health: { redis: { status: 'up' } } }),
      expect.objectContaining({
        level: 'error',
        msg: 'append failed',
        context: 'Commands',
        stack: 'Error: boom\n    at here',
      }),
    ]);
  });
});
