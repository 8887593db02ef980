import { describe, expect, it } from 'vitest';
import { idsOfTask } from '../../../emulator/src/marathon/tasks.js';

const uuid = '0ad4ed3e-1d2b-11ea-a8e3-0242ac110006';

describe("a Marathon task id's instance and app (as unknown_instance_terminated_event names them)", () => {
  it('reads the legacy app task id <safe id>.<uuid>, whose instance is <safe id>.marathon-<uuid>', () => {
    expect(idsOfTask(`group_web.${uuid}`)).toEqual({ instanceId: `group_web.marathon-${uuid}`, runSpecId: '/group/web' });
  });

  it('reads the 1.7 ids <safe id>.instance-<uuid>._app.<n> and <safe id>.marathon-<uuid>', () => {
    expect(idsOfTask(`web.instance-${uuid}._app.1`)).toEqual({ instanceId: `web.instance-${uuid}`, runSpecId: '/web' });
    expect(idsOfTask(`a_b_c.marathon-${uuid}`)).toEqual({ instanceId: `a_b_c.marathon-${uuid}`, runSpecId: '/a/b/c' });
  });

  it('knows no instance for an id Marathon did not make', () => {
    expect(idsOfTask('hello')).toBeUndefined();
    expect(idsOfTask(`${uuid}`)).toBeUndefined();
  });
});
