/** Who asked for a change and from where; every audited operation takes one. */
export interface Actor {
  /** The acting user's login name, or `system` for the platform itself. */
  actor: string;
  /** The client's address, when the call came over the network. */
  remote?: string;
}

export const SYSTEM_ACTOR: Actor = { actor: 'system' };
