import { describe, expect, it } from 'vitest';
import { OwedAnswers, RequestThread, threadError } from '../../services/shared/worker-threads.js';

/**
 * A worker speaking RequestThread's protocol, as serveRequests does: ready, then each request
 * answered with its double; request 'fail' is told as the thread's failure, 'exit' ends the thread.
 */
const WORKER = new URL(
  `data:text/javascript,${encodeURIComponent(`
    import { parentPort } from 'node:worker_threads';
    parentPort.on('message', ({ id, request }) => {
      if (request === 'fail') parentPort.postMessage({ type: 'failed', code: 'VALIDATION_FAILED', message: 'row 3 has no name' });
      else if (request === 'exit') process.exit(3);
      else parentPort.postMessage({ type: 'answer', id, answer: request * 2 });
    });
    parentPort.postMessage({ type: 'ready' });
  `)}`,
);

async function withThread(work: (thread: RequestThread<number | 'fail' | 'exit', number>) => Promise<void>): Promise<void> {
  const thread = await RequestThread.start<number | 'fail' | 'exit', number>(WORKER, null, 'test');
  try {
    await work(thread);
  } finally {
    await thread.stop();
  }
}

describe('answers owed by a thread', () => {
  it('resolves each request with its own answer, whatever order the answers come in', async () => {
    const owed = new OwedAnswers<string>();
    const first = owed.expect(0, () => undefined);
    const second = owed.expect(1, () => undefined);
    owed.answer(1, 'b');
    owed.answer(0, 'a');
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
  });

  it('fails every answer still owed when the thread fails', async () => {
    const owed = new OwedAnswers<string>();
    const pending = [owed.expect(0, () => undefined), owed.expect(1, () => undefined)];
    owed.fail(new Error('gone'));
    const settled = await Promise.allSettled(pending);
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'answered'))).toEqual(['gone', 'gone']);
  });

  it('refuses a request made after the failure without sending it', async () => {
    const owed = new OwedAnswers<string>();
    owed.fail(new Error('gone'));
    let sent = false;
    await expect(owed.expect(0, () => (sent = true))).rejects.toThrow('gone');
    expect(sent).toBe(false);
  });

  it('keeps the first failure when a second one comes', async () => {
    const owed = new OwedAnswers<string>();
    owed.fail(new Error('first'));
    owed.fail(new Error('second'));
    await expect(owed.expect(0, () => undefined)).rejects.toThrow('first');
  });
});

describe('a thread error', () => {
  it('names the thread and keeps a code dancu knows', () => {
    const error = threadError('normalising', 'VALIDATION_FAILED', 'row 3 has no name');
    expect([error.code, error.message, error.retriable]).toEqual(['VALIDATION_FAILED', 'a normalising thread failed: row 3 has no name', false]);
  });

  it('reports a code dancu does not know as an internal error', () => {
    expect(threadError('address', 'EWHATEVER', 'odd').code).toBe('INTERNAL_ERROR');
  });
});

describe('a request thread', () => {
  it('answers each request with its own answer', async () => {
    await withThread(async (thread) => {
      expect(await Promise.all([thread.ask(1), thread.ask(2), thread.ask(3)])).toEqual([2, 4, 6]);
    });
  });

  it('fails the request its worker reports failed, and every later one, with the worker’s reason', async () => {
    await withThread(async (thread) => {
      await expect(thread.ask('fail')).rejects.toThrow('a test thread failed: row 3 has no name');
      await expect(thread.ask(1)).rejects.toThrow('a test thread failed: row 3 has no name');
    });
  });

  it('fails what it owes when its worker exits', async () => {
    await withThread(async (thread) => {
      await expect(thread.ask('exit')).rejects.toThrow('a test thread failed: it stopped (exit code 3)');
    });
  });
});
