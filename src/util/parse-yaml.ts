// YAML's parser, loaded on first use: importing it costs about a third of
// `mesos-up --help`'s start, and most commands never read a YAML file.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let parser: typeof import('yaml').parse | undefined;

export function parseYaml(text: string): unknown {
  parser ??= (require('yaml') as typeof import('yaml')).parse;
  return parser(text);
}
