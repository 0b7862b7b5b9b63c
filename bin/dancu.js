#!/usr/bin/env node
// The dancu CLI runs from the compiled output; `npm install` builds it (the `prepare` script).
import { main } from '../dist/services/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
