#!/usr/bin/env node
// The dancu CLI runs from the compiled output; `npm install` builds it (the `prepare` script).
import { main } from '../dist/services/cli/main.js';

// A command that failed has said why; it exits at once, since a client it opened may still be
// retrying in the background (a broker refusing a login retries for up to two minutes) and would
// keep the process alive after the one-line error.
main(process.argv).then(
  (code) => {
    if (code !== 0) process.exit(code);
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
