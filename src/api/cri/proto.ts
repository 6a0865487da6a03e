// Loads Gantry's CRI proto (runtime-v1.proto, shipped in src/ and found from the
// install root so it resolves for the compiled modules and the CLI bundle alike).
import { join } from 'node:path';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { installRoot } from '../../sys/install-paths.js';

export const criProtoPath = () => join(installRoot(), 'src', 'api', 'cri', 'runtime-v1.proto');

/**
 * int64 fields travel as decimal strings (nanosecond timestamps exceed 2^53),
 * enums as their names, absent scalars as their defaults.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export interface CriServices {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
}

export function loadCriServices(): CriServices {
  const def = protoLoader.loadSync(criProtoPath(), PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: CriServices } };
  return pkg.runtime.v1;
}
