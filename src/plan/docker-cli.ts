// Which Docker Engine API versions a docker CLI can speak, from its
// `docker --version` line. A Mesos agent drives the engine through that CLI, and
// an engine refuses every request of a client whose newest API version is below
// the engine's MinAPIVersion (Docker 29.0-29.2 accept 1.44 and newer, 29.3+ 1.40).

/** The newest API version of each Docker release, from Docker's API version matrix. */
const NEWEST_API: Array<[release: string, api: string]> = [
  ['1.7', '1.19'], ['1.8', '1.20'], ['1.9', '1.21'], ['1.10', '1.22'], ['1.11', '1.23'], ['1.12', '1.24'],
  ['1.13', '1.25'], ['1.13.1', '1.26'], ['17.03', '1.26'], ['17.03.1', '1.27'], ['17.04', '1.28'], ['17.05', '1.29'],
  ['17.06', '1.30'], ['17.07', '1.31'], ['17.09', '1.32'], ['17.10', '1.33'], ['17.11', '1.34'], ['17.12', '1.35'],
  ['18.02', '1.36'], ['18.03', '1.37'], ['18.06', '1.38'], ['18.09', '1.39'], ['19.03', '1.40'], ['20.10', '1.41'],
  ['23.0', '1.42'], ['24.0', '1.43'], ['25.0', '1.44'], ['26.0', '1.45'], ['27.0', '1.46'], ['27.2', '1.47'],
  ['28.0', '1.48'], ['28.1', '1.49'], ['28.2', '1.50'], ['28.3', '1.51'], ['29.0', '1.52'], ['29.2', '1.53'], ['29.3', '1.54'],
];

const parts = (v: string): number[] => v.split('.').map((p) => Number.parseInt(p, 10) || 0);

/** Numeric comparison of dotted versions: 1.9 < 1.12 (not lexical). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `Docker version 17.05.0-ce, build 89658be` → `17.05.0-ce`; undefined when the line is not one. */
export function parseDockerVersionLine(output: string): string | undefined {
  return /Docker version (\d+\.\d+(?:\.\d+)?[^\s,]*)/.exec(output)?.[1];
}

/**
 * The newest API version a docker CLI of this release speaks: the entry of the
 * latest release not after it. Undefined for releases older than the matrix.
 */
export function newestApiOf(cliVersion: string): string | undefined {
  const release = /^\d+\.\d+(?:\.\d+)?/.exec(cliVersion)?.[0];
  if (!release) return undefined;
  let api: string | undefined;
  for (const [r, a] of NEWEST_API) if (compareVersions(r, release) <= 0) api = a;
  return api;
}
