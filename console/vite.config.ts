import { defineConfig } from 'vite';

// No Preact plugin: Vite's own transformer compiles JSX with Preact's automatic runtime,
// which keeps the toolchain to Vite and TypeScript alone.
export default defineConfig({
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  resolve: {
    alias: { react: 'preact/compat', 'react-dom': 'preact/compat' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // A single module preload polyfill would be inlined as a script; the console targets
    // browsers with native module preload, and the CSP forbids inline scripts.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8025' },
  },
  preview: {
    proxy: { '/api': 'http://127.0.0.1:8025' },
  },
});
