// How cluster.yaml and --engine name a Docker engine. Apart from schema.ts so
// the CLI's flags and the engine layer check names without loading zod.

/** An engine written as a URL (scheme://…), not as `local` or a docker context name. */
export const isEngineUrl = (text: string): boolean => /^[a-z]+:\/\//.test(text);

/** `local` (the engine the CLI talks to), a docker context name, or a DOCKER_HOST-style URL. */
export function validEngineEndpoint(text: string): boolean {
  if (text === 'local') return true;
  if (isEngineUrl(text)) return /^(unix|tcp|ssh|https?):\/\/\S+$/.test(text);
  return /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(text);
}
