// Module boundaries, checked by `npm run lint` (dependency-cruiser). The README's folder order
// written down: a module may import its own folder and the layers below it, never a layer above
// and never a sibling in its own layer, so no two folders can import each other in a circle.
// Moving a folder means moving it here too; that is the point.

/** Layers, lowest first. Each entry is a folder under services/shared/ or, for 'services', a service folder. */
const LAYERS = [
  ['root'], // services/shared/errors.ts, paths.ts, random.ts
  ['config', 'observability'],
  ['schemas'],
  ['quality'],
  ['normalise'],
  ['linkage', 'sources', 'synth', 'kafka'],
  ['register'],
  ['store'],
  ['linkage-io'],
  ['review'],
  ['reporting'],
  ['service'],
  ['ingest', 'linker', 'store-service', 'steward', 'monitor'],
  ['cli'],
  ['bench'],
];

const SERVICES = new Set(['ingest', 'linker', 'store-service', 'steward', 'monitor', 'cli', 'bench']);

/** The path pattern of one module (folder); `store-service` is services/store, the store service. */
function modulePath(name) {
  if (name === 'root') return '^services/shared/[^/]+$';
  if (name === 'store-service') return '^services/store/';
  return SERVICES.has(name) ? `^services/${name}/` : `^services/shared/${name}/`;
}

const layerRules = LAYERS.flatMap((layer, index) =>
  layer.map((name) => {
    const allowed = [name, ...LAYERS.slice(0, index).flat()];
    return {
      name: `layer-${name}`,
      comment: `${name} may import only: ${allowed.join(', ')} (see .dependency-cruiser.mjs for the order)`,
      severity: 'error',
      from: { path: modulePath(name) },
      to: { path: '^services/', pathNot: allowed.map(modulePath) },
    };
  }),
);

// Pure folders hold logic only: reading a bundled settings file is allowed, talking to a
// database, a broker or the network is not.
const PURE = ['linkage', 'register', 'normalise', 'quality', 'schemas'];
const IO_MODULES = [
  '^(node:)?(net|http|https|http2|tls|dgram)$',
  '(^|/)node_modules/(@types/)?(pg|pg-copy-streams|node-pg-migrate|kafkajs|@kafkajs/[^/]+|fastify|@fastify/[^/]+)/',
];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...layerRules,
    {
      name: 'pure-no-io',
      comment: `${PURE.join(', ')} are pure: no database, Kafka, HTTP server or network client`,
      severity: 'error',
      from: { path: PURE.map(modulePath) },
      to: { path: IO_MODULES },
    },
    {
      name: 'store-plan-pure',
      comment: 'store/plan/ is the pure phase of the decision path: no database, Kafka or network, and no store module outside plan/ (they do the I/O)',
      severity: 'error',
      from: { path: '^services/shared/store/plan/' },
      to: { path: [...IO_MODULES, '^services/shared/store/[^/]+$', '^services/shared/(kafka|linkage-io|observability|config)/'] },
    },
    {
      name: 'no-circular',
      comment: 'No file imports itself through others; split the shared part into its own file',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-test-imports',
      comment: 'Production code never imports from test/',
      severity: 'error',
      from: { path: '^services/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-orphans',
      comment: 'A file nothing imports and that imports nothing is dead or misplaced',
      severity: 'error',
      from: {
        orphan: true,
        // Entry points and files loaded by path, not import: the browser UI, declaration files.
        pathNot: ['\\.d\\.ts$', '^services/steward/ui/', '(^|/)(tsconfig|package)\\.json$'],
      },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type import against the layer order is still a folder knowing too much.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
