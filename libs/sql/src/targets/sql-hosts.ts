import { isPublicAddress, OmegaError } from '@omega/core';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ConnectFailure } from '../connections/sql-errors';

/** `OMEGA_SQL_HOSTS` read once: host names and `*.domain` patterns, and addresses and ranges. */
export class SqlHostPolicy {
  private readonly names: string[] = [];
  private readonly addresses = new BlockList();
  private readonly configured: boolean;

  constructor(entries: readonly string[] | undefined) {
    this.configured = entries !== undefined;
    for (const entry of entries ?? []) {
      const [network, prefix] = entry.split('/');
      const family = isIP(stripBrackets(network));
      if (family === 0) this.names.push(entry);
      else if (prefix === undefined) this.addresses.addAddress(stripBrackets(network), ipFamily(family));
      else this.addresses.addSubnet(stripBrackets(network), Number(prefix), ipFamily(family));
    }
  }

  /**
   * The address to connect to: the host's first address, after every address it resolves to passed.
   * Connecting to that address (not the name) means a DNS answer that changes between this check and
   * the connection cannot lead elsewhere. A name that does not resolve is a connection failure, told
   * like every other one.
   */
  async addressOf(host: string): Promise<string> {
    const addresses = await this.resolve(host);
    if (!addresses) throw new ConnectFailure(new Error(`${host} does not resolve`));
    return addresses[0];
  }

  /**
   * When a reference is stored: refuses what can be refused without connecting. A name that does not
   * resolve yet is checked again when read, unless only addresses are allowed (then nothing can pass).
   */
  async checkWhenStored(host: string): Promise<void> {
    if (this.configured && this.nameAllowed(normalHost(host))) return;
    const addresses = await this.resolve(host);
    if (!addresses && this.configured && !this.nameAllowed(normalHost(host)))
      throw this.refusal(normalHost(host));
  }

  /** Every address of the host, each allowed; undefined when the name does not resolve. */
  private async resolve(host: string): Promise<string[] | undefined> {
    const name = normalHost(host);
    if (!name) throw OmegaError.invalidInput('sql url must name a host');
    const nameAllowed = this.nameAllowed(name);
    if (this.configured && isIP(name) === 0 && !nameAllowed && this.addresses.rules.length === 0)
      throw this.refusal(name);
    let found: { address: string; family: number }[];
    try {
      found = isIP(name) ? [{ address: name, family: isIP(name) }] : await lookup(name, { all: true });
    } catch {
      return undefined;
    }
    if (found.length === 0) return undefined;
    for (const { address, family } of found) {
      const listed = this.addresses.check(address, ipFamily(family));
      const allowed = this.configured ? nameAllowed || listed : isPublicAddress(address);
      if (!allowed) throw this.refusal(name);
    }
    return found.map(({ address }) => address);
  }

  private nameAllowed(name: string): boolean {
    return this.names.some((pattern) =>
      pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) : name === pattern,
    );
  }

  private refusal(host: string): OmegaError {
    return OmegaError.invalidInput(
      this.configured
        ? `host ${host} is not one OMEGA_SQL_HOSTS allows`
        : `host ${host} is loopback, private, link-local or otherwise not public; OMEGA_SQL_HOSTS must allow it`,
    );
  }
}

/**
 * A host as the resolver would read it, lowercase and unbracketed, with IPv4 written in any of the forms
 * `inet_aton` takes (`2130706433`, `0x7f.1`, `0177.0.0.1`) turned into dotted decimal, so the allow-list
 * and the range checks see the address that would be connected to.
 */
export function normalHost(host: string): string {
  const name = stripBrackets(host.trim().toLowerCase()).replace(/\.$/, '');
  if (isIP(name) === 6) return name;
  try {
    return new URL(`http://${name}/`).hostname;
  } catch {
    throw OmegaError.invalidInput(`sql url has an invalid host ${JSON.stringify(host.slice(0, 100))}`);
  }
}

function stripBrackets(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}

function ipFamily(family: number): 'ipv4' | 'ipv6' {
  return family === 6 ? 'ipv6' : 'ipv4';
}
