// Builds the package in the working directory with tsdown's API and its tsdown.config.ts.
// (tsdown's CLI prints a Node 20 deprecation notice on every run; the API builds the same.)
import { build } from 'tsdown';

await build({ logLevel: 'warn' });
