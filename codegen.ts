// Typed documents from schema.graphql, for TypeScript clients (client/operations, also used by our
// tests) and for the web client (web/src: its `graphql(...)` calls). `npm run codegen` writes
// client/gql/ and web/src/gql/ (neither committed).
import type { CodegenConfig } from '@graphql-codegen/cli';

const presetConfig = {
  scalars: { DateTime: 'string' },
  enumsAsTypes: true,
  useTypeImports: true,
  emitLegacyCommonJSImports: false,
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'client/gql/': {
      documents: ['client/operations/**/*.graphql'],
      preset: 'client',
      config: presetConfig,
    },
    'web/src/gql/': {
      documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: presetConfig,
    },
  },
};

export default config;
