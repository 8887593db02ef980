#!/usr/bin/env node
// dist/bin/ is the command line bundled by scripts/bundle-cli.mjs.
import { main } from '../dist/bin/main.js';

await main(process.argv);
