#!/usr/bin/env node
/**
 * The `keyledger` command line. Everything lives in `main.ts` and the command modules;
 * this file only wires the process to it.
 */
import { main } from './main.js';

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`keyledger: unexpected error: ${String((reason as Error)?.message ?? reason)}\n`);
  process.exit(1);
});

process.exitCode = await main(process.argv.slice(2));
