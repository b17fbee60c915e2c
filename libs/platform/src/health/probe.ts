import type { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

type Session = ReturnType<HealthIndicatorService['check']>;

/**
 * Up when `ping` resolves within `timeoutMs`, down (with the reason) when it rejects or hangs,
 * so a dependency that stopped answering reads as down rather than holding /health open.
 */
export async function probe(
  session: Session,
  ping: () => Promise<unknown>,
  details: Record<string, string> = {},
  timeoutMs = 2000,
): Promise<HealthIndicatorResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([ping(), timeout]);
    return session.up(details);
  } catch (error) {
    return session.down({ ...details, message: (error as Error).message });
  } finally {
    clearTimeout(timer);
  }
}
