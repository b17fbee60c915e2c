/**
 * Event data with every `personal` part removed: the facts of the pathway without the person.
 * Events keep personal details under `personal` keys for exactly this.
 */
export function withoutPersonalData(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(withoutPersonalData);
  if (data && typeof data === 'object') {
    return Object.fromEntries(
      Object.entries(data as Record<string, unknown>)
        .filter(([key]) => key !== 'personal')
        .map(([key, value]) => [key, withoutPersonalData(value)]),
    );
  }
  return data;
}
