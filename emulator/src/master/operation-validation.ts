// Validation of the operations that change what an agent holds: RESERVE,
// UNRESERVE, CREATE and DESTROY, from a scheduler's ACCEPT or the operator
// API, with the messages of validation::operation::validate and
// validation::resource::validate (src/master/validation.cpp) and
// Resources::validate (src/common/resources.cpp), 1.7.1. Resources arrive as
// the caller sent them (any of the three formats) and are checked before
// they are upgraded to the list form.
import * as L from '../common/resource-list.js';
import type { ResList } from '../common/resource-list.js';
import { roleError } from '../common/role-name.js';
import type { Pb } from './types.js';

const isSubrole = (child: string, parent: string) => child.startsWith(`${parent}/`);

/** Resources::validate(const Resource&). */
export function resourceError(r: Pb): string | undefined {
  if (typeof r?.name !== 'string' || r.name === '') return 'Empty resource name';
  if (r.type === 'SCALAR') {
    if (r.scalar === undefined || r.ranges !== undefined || r.set !== undefined) return 'Invalid scalar resource';
    const v = Number(r.scalar.value);
    if (v !== 0 && !(L.fixed(v) > 0)) return 'Invalid scalar resource: value <= 0';
  } else if (r.type === 'RANGES') {
    if (r.scalar !== undefined || r.ranges === undefined || r.set !== undefined) return 'Invalid ranges resource';
    const range: Pb[] = r.ranges.range ?? [];
    for (let i = 0; i < range.length; i++) {
      if (Number(range[i].begin) > Number(range[i].end)) return 'Invalid ranges resource: begin > end';
      for (let j = i + 1; j < range.length; j++) {
        if (Number(range[i].begin) <= Number(range[j].begin) && Number(range[j].begin) <= Number(range[i].end)) return 'Invalid ranges resource: overlapping ranges';
      }
    }
  } else if (r.type === 'SET') {
    if (r.scalar !== undefined || r.ranges !== undefined || r.set === undefined) return 'Invalid set resource';
    const items: string[] = r.set.item ?? [];
    if (new Set(items).size !== items.length) return 'Invalid set resource: duplicated elements';
  } else if (r.type === 'TEXT') return 'Unsupported resource type';
  else return 'Invalid resource type';
  if (r.disk !== undefined && r.name !== 'disk') return `DiskInfo should not be set for ${r.name} resource`;
  const reservations: Pb[] = Array.isArray(r.reservations) ? r.reservations : [];
  if (reservations.length === 0) {
    const err = roleError(typeof r.role === 'string' ? r.role : '*');
    if (err) return err;
    if (r.reservation !== undefined) {
      if (r.reservation.type !== undefined) return "'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field";
      if (r.reservation.role !== undefined) return "'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field";
      if ((r.role ?? '*') === '*') return 'Invalid reservation: role "*" cannot be dynamically reserved';
    }
  } else {
    for (const x of reservations) {
      if (x?.type === undefined) return "Invalid reservation: 'Resource.ReservationInfo.type' field must be set.";
      if (x?.role === undefined) return "Invalid reservation: 'Resource.ReservationInfo.role' field must be set.";
      const err = roleError(String(x.role));
      if (err) return err;
      if (x.role === '*') return 'Invalid reservation: role "*" cannot be reserved';
    }
    let ancestor = String(reservations[0].role);
    for (const x of reservations.slice(1)) {
      if (x.type === 'STATIC') return 'Invalid refined reservation: A refined reservation cannot be STATIC';
      if (!isSubrole(String(x.role), ancestor)) return `Invalid refined reservation: role '${x.role}' is not a refinement of '${ancestor}'`;
      ancestor = String(x.role);
    }
    if (reservations.length === 1) {
      const only = reservations[0];
      if (r.role !== undefined && r.role !== only.role)
        return `Invalid resource format: 'Resource.role' field with '${r.role}' does not match the role '${only.role}' in 'Resource.reservations'`;
      if (only.type === 'STATIC' && r.reservation !== undefined)
        return "Invalid resource format: 'Resource.reservation' must not be set if the single reservation in 'Resource.reservations' is STATIC";
      if (only.type === 'DYNAMIC' && (r.role !== undefined) !== (r.reservation !== undefined))
        return "Invalid resource format: 'Resource.role' and 'Resource.reservation' must either be both set or both not set if the single reservation in 'Resource.reservations' is DYNAMIC";
      if (only.type !== 'STATIC' && only.type !== 'DYNAMIC') return "Unsupported 'Resource.ReservationInfo.Type'";
    } else {
      if (r.role !== undefined) return "Invalid resource format: 'Resource.role' must not be set if there is more than one reservation in 'Resource.reservations'";
      if (r.reservation !== undefined) return "Invalid resource format: 'Resource.reservation' must not be set if there is more than one reservation in 'Resource.reservations'";
    }
  }
  if (r.shared !== undefined) {
    if (r.name !== 'disk') return `Resource ${r.name} cannot be shared`;
    if (!r.disk?.persistence) return 'Only persistent volumes can be shared';
  }
  return undefined;
}

/** validateID in src/common/validation.cpp. */
export function idError(id: string): string | undefined {
  if (id === '') return 'ID must not be empty';
  if (id.length > 255) return 'ID must not be greater than 255 characters';
  if (id === '.' || id === '..') return `'${id}' is disallowed`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f/\\]/.test(id)) return `'${id}' contains invalid characters`;
  return undefined;
}

const isUnreservedRaw = (r: Pb) => !(Array.isArray(r.reservations) && r.reservations.length) && (r.role === undefined || r.role === '*');

/** stringify(Resource) of a resource as sent: only its `reservations` show (a pre-refinement `role` does not). */
const rawText = (r: Pb): string =>
  L.text([{ ...r, reservations: Array.isArray(r?.reservations) ? r.reservations : undefined } as L.Res], typeof r?.allocation_info?.role === 'string' ? r.allocation_info.role : undefined);

/** Resources::validate(RepeatedPtrField<Resource>): the first invalid resource, named. */
export function resourcesInvalid(list: Pb[]): string | undefined {
  for (const r of list) {
    const err = resourceError(r);
    if (err) return `Resource '${rawText(r)}' is invalid: ${err}`;
  }
  return undefined;
}

/** validation::resource::validate: the resources, gpus, DiskInfo and dynamic reservations. */
export function resourcesError(list: Pb[]): string | undefined {
  const invalid = resourcesInvalid(list);
  if (invalid) return `Invalid resources: ${invalid}`;
  const gpus = list.filter((r) => r?.name === 'gpus' && r.type === 'SCALAR').reduce((n, r) => n + Number(r.scalar?.value ?? 0), 0);
  if (Math.trunc(gpus * 1000) % 1000 !== 0) return "Invalid 'gpus' resource: The 'gpus' resource must be an unsigned integer";
  for (const r of list) {
    if (r.disk === undefined) continue;
    let err: string | undefined;
    if (r.disk.persistence !== undefined) {
      if (r.revocable !== undefined) err = 'Persistent volumes cannot be created from revocable resources';
      else if (isUnreservedRaw(r)) err = 'Persistent volumes cannot be created from unreserved resources';
      else if (r.disk.volume === undefined) err = "Expecting 'volume' to be set for persistent volume";
      else if (r.disk.volume.host_path !== undefined) err = "Expecting 'host_path' to be unset for persistent volume";
      else {
        const idErr = idError(String(r.disk.persistence.id ?? ''));
        if (idErr) err = `Invalid persistence ID for persistent volume: ${idErr}`;
      }
    } else if (r.disk.volume !== undefined) err = 'Non-persistent volume not supported';
    else if (r.disk.source === undefined) err = 'DiskInfo is set but empty';
    if (err) return `Invalid DiskInfo: ${err}`;
  }
  for (const r of L.upgrade(list)) {
    if (L.isDynamicallyReserved(r) && r.revocable) return `Invalid ReservationInfo: Dynamically reserved resource ${L.text([r])} cannot be created from revocable resources`;
  }
  return undefined;
}

/** validateSingleResourceProvider: our agents have no resource providers, so only an empty list fails. */
function singleProviderError(list: Pb[]): string | undefined {
  const withProvider = list.filter((r) => r?.provider_id !== undefined).length;
  if (list.length === 0) return 'The resources have multiple resource providers: ';
  if (withProvider > 0 && withProvider < list.length) return 'Some resources have a resource provider and some do not';
  return undefined;
}

/** What every operation checks first: resource::validate, then one resource provider, as `Invalid resources: <why>`. */
function invalidResources(list: Pb[]): string | undefined {
  const err = resourcesError(list) ?? singleProviderError(list);
  return err ? `Invalid resources: ${err}` : undefined;
}

function validateAllocatedToSingleRole(list: Pb[]): string | undefined {
  let role: string | undefined;
  for (const r of list) {
    const own = r?.allocation_info?.role;
    if (typeof own !== 'string') return 'The resources are not allocated to a role';
    if (role === undefined) role = own;
    else if (own !== role) return `The resources have multiple allocation roles ('${own}' and '${role}') but only one allocation role is allowed`;
  }
  return undefined;
}

function volumeError(list: Pb[]): string | undefined {
  for (const v of list) {
    if (v?.disk === undefined) return `Resource ${L.text(L.upgrade([v]))} does not have DiskInfo`;
    if (v.disk.persistence === undefined) return "'persistence' is not set in DiskInfo";
    if (v.disk.volume === undefined) return "Expecting 'volume' to be set for persistent volume";
    if (v.disk.volume.mode === 'RO') return 'Read-only persistent volume not supported';
  }
  return undefined;
}

/** stringify(hashset<string>): `{ a, b }`. */
const setText = (roles: string[]) => `{ ${roles.join(', ')} }`;

export interface Who {
  /** the authenticated principal (none here: the emulator does not authenticate) */
  principal?: string;
  /** the framework's roles, for a scheduler's ACCEPT; undefined for the operator API */
  frameworkRoles?: string[];
  frameworkId?: string;
  sharedResources?: boolean;
}

export function validateReserve(list: Pb[], who: Who): string | undefined {
  const err = invalidResources(list);
  if (err) return err;
  for (const raw of list) {
    const r = L.upgrade([raw])[0]!;
    const shown = L.text([r], raw.allocation_info?.role);
    if (!L.isDynamicallyReserved(r)) return `Resource ${shown} is not dynamically reserved`;
    if (who.principal !== undefined) {
      const last = r.reservations![r.reservations!.length - 1]!;
      if (last.principal === undefined) return `A reserve operation was attempted by principal '${who.principal}', but there is a reserved resource in the request with no principal set`;
      if (last.principal !== who.principal)
        return `A reserve operation was attempted by authenticated principal '${who.principal}', which does not match a reserved resource in the request with principal '${last.principal}'`;
    }
    const owner = L.reservationRole(r);
    if (who.frameworkRoles) {
      const allocated = raw.allocation_info?.role;
      if (typeof allocated !== 'string')
        return `A reserve operation was attempted on unallocated resource ${shown}, but frameworks can only perform reservations on allocated resources`;
      if (allocated !== owner) return `A reserve operation was attempted for a resource with role '${owner}', but the resource was allocated to role '${allocated}'`;
      if (!who.frameworkRoles.includes(allocated))
        return `A reserve operation was attempted for a resource allocated to role '${allocated}', but the framework only has roles '${setText(who.frameworkRoles)}'`;
      if (!who.frameworkRoles.includes(owner))
        return `A reserve operation was attempted for a resource with role '${owner}', but the framework can only reserve resources with roles '${setText(who.frameworkRoles)}'`;
    } else if (raw.allocation_info !== undefined) {
      return 'A reserve operation was attempted with an allocated resource, but the operator API only allows reservations to be made to unallocated resources';
    }
    if (r.disk?.persistence) return `A persistent volume ${shown} must already be reserved`;
  }
  if (who.frameworkRoles) {
    const single = validateAllocatedToSingleRole(list);
    if (single) return `Invalid reservation resources: ${single}`;
  }
  return undefined;
}

export function validateUnreserve(list: Pb[]): string | undefined {
  const err = invalidResources(list);
  if (err) return err;
  for (const raw of list) {
    const r = L.upgrade([raw])[0]!;
    const shown = L.text([r], raw.allocation_info?.role);
    if (!L.isDynamicallyReserved(r)) return `Resource ${shown} is not dynamically reserved`;
    if (r.disk?.persistence)
      return `A dynamically reserved persistent volume ${shown} cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource`;
  }
  return undefined;
}

export function validateCreate(list: Pb[], checkpointed: ResList, who: Who): string | undefined {
  const err = invalidResources(list);
  if (err) return err;
  const notVolume = volumeError(list);
  if (notVolume) return `Not a persistent volume: ${notVolume}`;
  const seen = new Map<string, Set<string>>();
  for (const v of [...checkpointed, ...L.upgrade(list)]) {
    if (!v.disk?.persistence) continue;
    const role = L.reservationRole(v);
    const ids = seen.get(role) ?? new Set<string>();
    if (ids.has(v.disk.persistence.id)) return `Persistence ID '${v.disk.persistence.id}' is not unique`;
    ids.add(v.disk.persistence.id);
    seen.set(role, ids);
  }
  for (const raw of list) {
    const shown = L.text(L.upgrade([raw]), raw.allocation_info?.role);
    if (who.frameworkRoles && raw.shared !== undefined && !who.sharedResources)
      return `Create volume operation for '${shown}' has been attempted by framework '${who.frameworkId}' with no SHARED_RESOURCES capability`;
    if (who.principal !== undefined) {
      const p = raw.disk.persistence.principal;
      if (p === undefined) return `Create volume operation attempted by principal '${who.principal}', but there is a volume in the operation with no principal set in 'disk.persistence'`;
      if (p !== who.principal)
        return `Create volume operation attempted by authenticated principal '${who.principal}', which does not match a volume in the operation with principal '${p}' set in 'disk.persistence'`;
    }
  }
  if (who.frameworkRoles) {
    const single = validateAllocatedToSingleRole(list);
    if (single) return `Invalid volume resources: ${single}`;
  }
  return undefined;
}

/** DESTROY: the volumes exist on the agent and no task uses them (`inUse`: what live tasks use). */
export function validateDestroy(list: Pb[], checkpointed: ResList, inUse: ResList[]): string | undefined {
  const unallocated = list.map((r) => {
    const { allocation_info: _a, ...rest } = r ?? {};
    return rest;
  });
  const err = invalidResources(unallocated);
  if (err) return err;
  const notVolume = volumeError(unallocated);
  if (notVolume) return `Not a persistent volume: ${notVolume}`;
  const volumes = L.upgrade(unallocated);
  for (const v of volumes) if (!L.contains(checkpointed, [v])) return 'Persistent volumes not found';
  for (const used of inUse) for (const v of volumes) if (L.contains(used, [v])) return 'Persistent volumes in use';
  return undefined;
}

/** Each operation type: how its errors name it, and its field. */
export const OPERATION_FIELD: Record<string, [string, string]> = {
  RESERVE: ['A RESERVE offer operation', 'reserve'],
  UNRESERVE: ['An UNRESERVE offer operation', 'unreserve'],
  CREATE: ['A CREATE offer operation', 'create'],
  DESTROY: ['A DESTROY offer operation', 'destroy'],
  LAUNCH: ['A LAUNCH offer operation', 'launch'],
  LAUNCH_GROUP: ['A LAUNCH_GROUP offer operation', 'launch_group'],
};

/** GROW_VOLUME and SHRINK_VOLUME name themselves without 'offer' and end without a period. */
const RESIZE_FIELD: Record<string, [string, string]> = {
  GROW_VOLUME: ['A GROW_VOLUME operation must have the Offer.Operation.grow_volume field set', 'grow_volume'],
  SHRINK_VOLUME: ['A SHRINK_VOLUME offer operation must have the Offer.Operation.shrink_volume field set', 'shrink_volume'],
};

/** validateAndUpgradeResources(Offer::Operation*): the operation's field is set and each resource it names is valid. */
export function operationFormatError(op: Pb, resources: Pb[]): string | undefined {
  const field = OPERATION_FIELD[op?.type];
  if (field && (op[field[1]] === undefined || op[field[1]] === null)) return `${field[0]} must have the Offer.Operation.${field[1]} field set.`;
  const resize = RESIZE_FIELD[op?.type];
  if (resize && (op[resize[1]] === undefined || op[resize[1]] === null)) return resize[0];
  return resourcesInvalid(resources);
}

/** validation::operation::validate(GrowVolume): a persistent, not shared volume and an addition of the same disk. */
export function validateGrow(volume: Pb, addition: Pb): string | undefined {
  let err = resourceError(volume ?? {});
  if (err) return `Invalid resource in the 'GrowVolume.volume' field: ${err}`;
  err = resourceError(addition ?? {});
  if (err) return `Invalid resource in the 'GrowVolume.addition' field: ${err}`;
  if (!(Number(addition.scalar?.value) > 0)) return "The size of 'GrowVolume.addition' field must be greater than zero";
  if (volume.provider_id !== undefined) return 'Growing a volume from a resource provider is not supported';
  const notVolume = volumeError([volume]);
  if (notVolume) return `Invalid persistent volume in the 'GrowVolume.volume' field: ${notVolume}`;
  if (volume.shared !== undefined) return 'Growing a shared persistent volume is not supported';
  const [v] = L.upgrade([volume]);
  if (L.add([L.stripVolume(v!)], L.upgrade([addition])).length !== 1) return "Incompatible resources in the 'GrowVolume.volume' and 'GrowVolume.addition' fields";
  return undefined;
}

/** validation::operation::validate(ShrinkVolume) */
export function validateShrink(volume: Pb, subtract: number): string | undefined {
  const err = resourceError(volume ?? {});
  if (err) return `Invalid resource in the 'ShrinkVolume.volume' field: ${err}`;
  if (!(subtract > 0)) return "Value of 'ShrinkVolume.subtract' must be greater than zero";
  if (!(Number(volume.scalar?.value) > subtract)) return "Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'";
  if (volume.provider_id !== undefined) return 'Shrinking a volume from a resource provider is not supported';
  if (volume.disk?.source?.type === 'MOUNT') return 'Shrinking a volume on a MOUNT disk is not supported';
  const notVolume = volumeError([volume]);
  if (notVolume) return `Invalid persistent volume in the 'ShrinkVolume.volume' field: ${notVolume}`;
  if (volume.shared !== undefined) return 'Shrinking a shared persistent volume is not supported';
  return undefined;
}
