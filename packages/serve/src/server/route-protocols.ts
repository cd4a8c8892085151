import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import { createProtocol, type ProtocolParts } from './create-protocol.ts';
import type { SessionProtocol } from './mcp-session.ts';
import { EMPTY_REGISTRY } from './server-routes.ts';

/**
 * The protocol of each server route (`/mcp/<server>`): the server's own registry, name and
 * instructions, with the limits, store, rate limits and observers of the combined endpoint. Made on
 * a route's first session, so a server nobody reaches alone costs nothing.
 */
export function routeProtocols(config: ResolvedServeConfig, parts: ProtocolParts, main: SessionProtocol): (route: string | undefined) => SessionProtocol {
  const made = new Map<string, SessionProtocol>();
  return (route) => {
    if (route === undefined) return main;
    let protocol = made.get(route);
    if (protocol) return protocol;
    const served = () => parts.getRegistry().routes?.get(route);
    const { serverInfo, instructions } = served() ?? { serverInfo: { name: route, version: 'unknown' }, instructions: undefined };
    const identity = { name: serverInfo.name, version: serverInfo.version, title: serverInfo.title, websiteUrl: serverInfo.websiteUrl, icons: undefined, instructions };
    protocol = createProtocol({ ...config, ...identity }, { ...parts, getRegistry: () => served()?.registry ?? EMPTY_REGISTRY });
    protocol.observer = main.observer;
    protocol.announceListChanged = main.announceListChanged;
    made.set(route, protocol);
    return protocol;
  };
}
