#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
// Exit explicitly: a stopped pipeline may leave plugin threads (Go runtimes)
// behind that have nothing left to do; they must not hold the command open.
process.exit(code);
