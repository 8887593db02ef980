// Errors that become HTTP responses with Marathon's exact status codes and
// bodies (MarathonExceptionMapper, RestResource).

export interface ErrorDetail {
  path: string;
  errors: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
  }
}

export const notFound = (message: string) => new ApiError(404, { message });

export const unknownApp = (id: string, version?: string) =>
  notFound(`App '${id}' does not exist${version ? ` in version ${version}` : ''}`);

export const unknownTask = (id: string) => notFound(`Task '${id}' does not exist`);

export const unknownGroup = (id: string) => notFound(`Group '${id}' does not exist`);

export const conflict = (message: string) => new ApiError(409, { message });

/** Play JSON reading failed (JsResultException): 422 when every error carries a message. */
export const invalidJson = (details: ErrorDetail[]) =>
  new ApiError(details.every((d) => d.errors.length > 0) ? 422 : 400, { message: 'Invalid JSON', details });

/** wix-accord validation failed (ValidationFailedException). */
export const notValid = (details: ErrorDetail[]) => new ApiError(422, { message: 'Object is not valid', details });

export const appLocked = (deploymentIds: string[]) =>
  new ApiError(409, {
    message:
      "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
    deployments: deploymentIds.map((id) => ({ id })),
  });

export const badRequest = (message: string) => new ApiError(400, { message });

/** Groups violations by path the way Validation.failureWrites does. */
export function groupDetails(violations: Array<{ path: string; message: string }>): ErrorDetail[] {
  const byPath = new Map<string, string[]>();
  for (const v of violations) {
    const list = byPath.get(v.path) ?? [];
    if (!list.includes(v.message)) list.push(v.message);
    byPath.set(v.path, list);
  }
  return [...byPath].map(([path, errors]) => ({ path, errors }));
}
