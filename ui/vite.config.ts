import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard: ui/ is bundled into dist/ui, which the service serves at / (src/plugins/ui.ts).
 * Everything is bundled, nothing is fetched from elsewhere: the page works without internet.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // uPlot is ~50 kB; one bundle for the whole page, so the warning limit stays meaningful.
    chunkSizeWarningLimit: 300,
  },
});
