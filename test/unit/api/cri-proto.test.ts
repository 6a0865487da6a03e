// The wire contract: every message, field, enum value and RPC of Gantry's
// runtime-v1.proto has the upstream cri-api's number and type (the reference
// api.proto in ../shared/spec/cri-api; skipped where that checkout is absent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import protobuf from 'protobufjs';
import { criProtoPath } from '../../../src/api/cri/proto.js';

// shared/ lies beside the checkout (CRI_API_PROTO names another copy).
const REFERENCE = process.env.CRI_API_PROTO ?? join(resolve(import.meta.dirname, '..', '..', '..', '..'), '..', 'shared', 'spec', 'cri-api', 'api.proto');
const keyType = (f: protobuf.Field) => (f instanceof protobuf.MapField ? f.keyType : undefined);

test('runtime-v1.proto matches the upstream CRI v1 field for field', { skip: !existsSync(REFERENCE) && `no reference proto at ${REFERENCE}` }, () => {
  const mine = protobuf.loadSync(criProtoPath()).lookup('runtime.v1') as protobuf.Namespace;
  const ref = protobuf.loadSync(REFERENCE);
  const problems: string[] = [];
  let fields = 0;
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const obj of ns.nestedArray) {
      const upstream = ref.lookup(obj.fullName);
      if (!upstream) {
        problems.push(`${obj.fullName}: not upstream`);
        continue;
      }
      if (obj instanceof protobuf.Type) {
        const r = upstream as protobuf.Type;
        for (const f of obj.fieldsArray) {
          fields++;
          const rf = r.fields[f.name];
          const same = rf && rf.id === f.id && rf.type === f.type && rf.repeated === f.repeated && keyType(rf) === keyType(f);
          if (!same) problems.push(`${obj.fullName}.${f.name} = ${f.id} (${f.type})`);
        }
        walk(obj);
      } else if (obj instanceof protobuf.Enum) {
        for (const [k, v] of Object.entries(obj.values)) if ((upstream as protobuf.Enum).values[k] !== v) problems.push(`${obj.fullName}.${k}`);
      } else if (obj instanceof protobuf.Service) {
        for (const m of obj.methodsArray) {
          const rm = (upstream as protobuf.Service).methods[m.name];
          if (rm?.requestType !== m.requestType || rm?.responseType !== m.responseType) problems.push(`rpc ${m.name}`);
        }
      }
    }
  };
  walk(mine);
  assert.deepEqual(problems, []);
  assert.ok(fields > 200, `${fields} fields`);
});
