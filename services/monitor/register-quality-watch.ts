import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../shared/observability/logger.js';
import { combineQuality, type RegisterFlow, type RegisterPass, type RegisterQuality } from '../shared/reporting/register-quality.js';
import { registerPassWaitMs } from './register-pass-schedule.js';

export interface RegisterQualityWatchOptions {
  measurePass: () => Promise<RegisterPass>;
  measureFlow: () => Promise<RegisterFlow>;
  publishPass: (pass: RegisterPass) => void;
  publishFlow: (flow: RegisterFlow) => void;
  intervalMs: number;
  /** The most of the time the pass may take (register-pass-schedule.ts). */
  passMaxShare: number;
  logger: Logger;
}

/**
 * The monitor's watch over the register's four qualities, as two loops that never wait for each
 * other: clean and live (the flow, read through indexes) every interval, and correct and complete
 * (the pass over every citizen) as often as its share of the time allows, also after a pass that
 * failed, whose time counts as a pass's. Each part is published as soon as it is measured; the
 * four together (`current`) once both have been.
 */
export class RegisterQualityWatch {
  private pass: RegisterPass | null = null;
  private flow: RegisterFlow | null = null;

  constructor(private readonly options: RegisterQualityWatchOptions) {}

  /** The last pass and flow together; null until both have been measured. */
  current(): RegisterQuality | null {
    return this.pass && this.flow ? combineQuality(this.pass, this.flow) : null;
  }

  /** Measures the flow once and publishes it; a failure is logged, the last flow kept. */
  async flowOnce(): Promise<void> {
    try {
      this.flow = await this.options.measureFlow();
      this.options.publishFlow(this.flow);
    } catch (error) {
      this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'register flow measurement failed');
    }
  }

  /** Measures the pass once and publishes it; returns how long to wait before the next one. */
  async passOnce(): Promise<number> {
    const started = performance.now();
    try {
      this.pass = await this.options.measurePass();
      this.options.publishPass(this.pass);
      const waitMs = this.waitAfter(this.pass.seconds);
      this.options.logger.info(
        { seconds: this.pass.seconds, citizens: this.pass.citizens, nextInSeconds: Math.round(waitMs / 1000) },
        'register pass measured',
      );
      return waitMs;
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      this.options.logger.warn({ err: error instanceof Error ? error.message : String(error), seconds }, 'register pass failed');
      return this.waitAfter(seconds);
    }
  }

  /** Both loops, until `running` says stop; a wait is cut short within a second of it. */
  async run(running: () => boolean): Promise<void> {
    const loop = async (once: () => Promise<number>) => {
      while (running()) {
        const until = Date.now() + (await once());
        while (running() && Date.now() < until) await sleep(Math.min(1_000, until - Date.now()));
      }
    };
    await Promise.all([
      loop(async () => {
        await this.flowOnce();
        return this.options.intervalMs;
      }),
      loop(() => this.passOnce()),
    ]);
  }

  private waitAfter(seconds: number): number {
    return registerPassWaitMs(seconds, this.options.intervalMs, this.options.passMaxShare);
  }
}
