/** Registers the core route modules. */
import type { SimCore } from '../server.ts';
import { register as branches } from './branches.ts';
import { register as collaborators } from './collaborators.ts';
import { register as contents } from './contents.ts';
import { register as gitdata } from './gitdata.ts';
import { register as misc } from './misc.ts';
import { register as repos } from './repos.ts';

export function registerCoreRoutes(core: SimCore): void {
  for (const register of [misc, repos, contents, gitdata, branches, collaborators]) register(core);
}
