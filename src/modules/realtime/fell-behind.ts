import { AppError } from '../../errors.js';
import type { Metrics } from '../../infra/metrics.js';

const made = new WeakMap<Metrics, Map<string, () => AppError>>();

/**
 * The overflow error of a subscription that fell too far behind (counted, then UNAVAILABLE with
 * `howToCatchUp`): one function per Metrics and message, shared by every subscription, rather than
 * a closure kept by each.
 */
export function fellBehind(metrics: Metrics, howToCatchUp: string): () => AppError {
  let byMessage = made.get(metrics);
  if (!byMessage) made.set(metrics, (byMessage = new Map()));
  let make = byMessage.get(howToCatchUp);
  if (!make) {
    make = () => {
      metrics.subscriptionsFellBehind.inc();
      return new AppError('UNAVAILABLE', `This subscription fell too far behind and was stopped. ${howToCatchUp}`);
    };
    byMessage.set(howToCatchUp, make);
  }
  return make;
}
